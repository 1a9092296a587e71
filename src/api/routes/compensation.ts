// Compensation and approvals over HTTP: proposing (or amending a proposal waiting for approval),
// listing the pending approvals a caller may decide from Temporal visibility, and deciding one.
// The rules (tiers, proposer, stale amounts, decided once) live in the workflow and the policy.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { z } from 'zod/v4';
import { decidableTiers } from '../../policy/compensation';
import { signApprovalDecision } from '../../security/approval-signature';
import {
  APPROVAL_ID_PATTERN,
  decideApprovalUpdate,
  incidentProposerName,
  proposeCompensationUpdate,
  type Actor,
  type ApprovalDecisionInput,
} from '../../../workflows/contracts';
import { HttpError } from '../errors';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyOf,
  runCaseUpdate,
  viewAfter,
  type RouteDef,
  type RouteEnv,
} from '../route-table';
import * as s from '../schemas';

/** How long the signature on a decision the API sends stays valid: enough for a queued Update. */
const DECISION_SIGNATURE_MINUTES = 5;

/**
 * Runs the decision Update on the approval's case (the approval id names the case); Slack's buttons
 * decide through it too. `input.actor` must be the authenticated caller (or the Slack approver): the
 * API signs it, and the workflow acts only on decisions the product signed.
 */
export async function decideApproval(
  env: RouteEnv,
  input: Omit<ApprovalDecisionInput, 'signature' | 'expiresAt'>,
  key?: string,
) {
  const m = APPROVAL_ID_PATTERN.exec(input.approvalId);
  if (!m) throw new HttpError(404, 'not_found', 'no such approval request');
  const expiresAt = new Date(Date.now() + DECISION_SIGNATURE_MINUTES * 60_000).toISOString();
  const signature = signApprovalDecision(env.config.approvalSigningSecret, {
    approvalId: input.approvalId,
    decision: input.decision,
    amountCents: input.amountCents,
    approver: { id: input.actor.id, name: input.actor.name, role: input.actor.role },
    expiresAt,
  });
  // A retry is signed afresh; the Idempotency-Key fingerprint leaves signature and expiry out.
  const handle = env.handleFor(m[1]);
  const run = await runCaseUpdate(
    handle,
    decideApprovalUpdate,
    { ...input, expiresAt, signature },
    { callerId: input.actor.id, key },
  );
  return { ...run, handle };
}

/** The visibility query of GET /approvals: running cases pending a tier the caller decides, not proposed by the caller. */
export function pendingApprovalsQuery(tierRoles: string[], caller: Actor, q: z.infer<typeof s.approvalsQuery>): string {
  const clauses = [
    `WorkflowType = 'supportCaseWorkflow'`,
    `ExecutionStatus = 'Running'`,
    'CasePendingApproval = true',
    `CaseApprovalTier IN (${tierRoles.map((r) => `'${r}'`).join(', ')})`,
    `CaseApprovalProposer != '${caller.name.replace(/'/g, "\\'")}'`,
  ];
  if (q.overCents !== undefined) clauses.push(`CaseApprovalCents > ${q.overCents}`);
  // An incident's resolution proposes its batch in the incident's name (INC- ids are letters and digits).
  if (q.incident) clauses.push(`CaseApprovalProposer = '${incidentProposerName(q.incident)}'`);
  return clauses.join(' AND ');
}

/** One entry of GET /approvals, from the case's search attributes. */
export function approvalEntry(wf: WorkflowExecutionInfo): Record<string, unknown> {
  const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
  return {
    approvalId: sa.CaseApprovalId?.[0] ?? null,
    caseId: wf.workflowId.replace(/^case-/, ''),
    tier: sa.CaseApprovalTier?.[0] ?? null,
    amountCents: sa.CaseApprovalCents?.[0] ?? null,
    proposedBy: sa.CaseApprovalProposer?.[0] ?? null,
    caseStatus: sa.CaseStatus?.[0] ?? null,
  };
}

/** GET /approvals: the pending approvals the caller may decide. */
function listApprovals(env: RouteEnv): RouteDef {
  return {
    method: 'get',
    path: '/approvals',
    summary: 'List pending approvals the caller may decide',
    permission: 'approval.decide',
    query: s.approvalsQuery,
    async handle(ctx) {
      const q = ctx.query as z.infer<typeof s.approvalsQuery>;
      const caller = ctx.caller!;
      const tierRoles = decidableTiers(env.policy, caller.role).map((t) => t.role);
      if (tierRoles.length === 0) return { body: { approvals: [] } };
      const approvals: Record<string, unknown>[] = [];
      for await (const wf of env.client.workflow.list({
        query: pendingApprovalsQuery(tierRoles, caller, q),
        pageSize: q.limit,
      })) {
        approvals.push(approvalEntry(wf));
        if (approvals.length >= q.limit) break;
      }
      return { body: { approvals } };
    },
  };
}

/** The compensation and approval routes. */
export function compensationRoutes(env: RouteEnv): RouteDef[] {
  return [
    env.caseAction(
      '/cases/:caseId/compensation',
      'Propose compensation (or change a proposal waiting for approval)',
      s.compensationBody,
      ({ body, caller }) => ({ def: proposeCompensationUpdate, input: { actor: caller, ...body } }),
      'compensation.propose',
    ),
    listApprovals(env),
    {
      method: 'post',
      path: '/approvals/:approvalId/decision',
      summary: 'Decide a pending approval (the body names the amount)',
      permission: 'approval.decide',
      body: s.approvalDecisionBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const body = ctx.body as z.infer<typeof s.approvalDecisionBody>;
        const input = { actor: ctx.caller!, approvalId: ctx.params.approvalId, ...body, via: 'api' as const };
        const { result, headers, handle } = await decideApproval(env, input, idempotencyKeyOf(ctx));
        return { body: await viewAfter(handle, result), headers };
      },
    },
  ];
}
