// The case lifecycle over HTTP: open, list and view cases, the agent's actions on a case (one
// Update each; the workflow's validators refuse what the status forbids), and customer replies.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { z } from 'zod/v4';
import {
  addNoteUpdate,
  assignUpdate,
  caseViewQuery,
  closeUpdate,
  completeStepUpdate,
  actionUpdateId,
  customerReplySignal,
  reopenUpdate,
  replyUpdate,
  requestVerificationUpdate,
  resolveUpdate,
  setCategoryUpdate,
  skipStepUpdate,
  waitForCustomerUpdate,
  openingView,
  type Actor,
} from '../../../workflows/contracts';
import { newCaseId } from '../case-ids';
import { withRecentDeployments } from './deployments';
import { HttpError } from '../errors';
import { evidenceKey, sealEvidence } from '../../security/identity-evidence';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyOf,
  priorUse,
  REPLAYED,
  type RouteDef,
  type RouteEnv,
} from '../route-table';
import * as s from '../schemas';

/** POST /cases: starts the case's workflow; a retry with the same Idempotency-Key finds the same case. */
function openCaseRoute(env: RouteEnv): RouteDef {
  const { config } = env;
  return {
    method: 'post',
    path: '/cases',
    summary: 'Open a case (Idempotency-Key makes a retry return the same case)',
    permission: 'case.open',
    body: s.openCaseBody,
    headers: [IDEMPOTENCY_KEY_HEADER],
    async handle(ctx) {
      const body = ctx.body as z.infer<typeof s.openCaseBody>;
      const key = idempotencyKeyOf(ctx);
      const caseId = newCaseId(key ? { caller: ctx.caller!.id, key } : undefined);
      const openedAtMs = Date.now();
      // A case that could be part of an outage opens linked to its known issue, if one is open.
      const { opened, input } = await env.openCase(
        { caseId, ...body, openedBy: ctx.caller!, openedAt: new Date(openedAtMs).toISOString() },
        {
          summary: `Support case ${caseId} · ${body.channel}${body.category ? ` · ${body.category}` : ''}`,
          details: `Opened by ${ctx.caller!.name} through the API. Case view: ${config.publicBaseUrl}/cases/${caseId}`,
        },
      );
      // Started before: a retry with the same Idempotency-Key names the same case id.
      if (!opened && key)
        return { status: 200, body: await env.viewOf(caseId), headers: { 'Idempotent-Replayed': 'true' } };
      if (!opened) throw new Error(`case id ${caseId} is taken`);
      // Answered as soon as the workflow has started, with the view its first state is built from
      // (the same pure function), so opening a case never waits for a worker.
      return { status: 201, body: openingView(input, openedAtMs), headers: { Location: `/cases/${caseId}` } };
    },
  };
}

/** The visibility query of GET /cases. */
function caseListQuery(q: z.infer<typeof s.listQuery>): string {
  const clauses = [`WorkflowType = 'supportCaseWorkflow'`];
  if (q.status) clauses.push(`CaseStatus = '${q.status}'`);
  if (q.category) clauses.push(`CaseCategory = '${q.category}'`);
  if (q.channel) clauses.push(`CaseChannel = '${q.channel}'`);
  if (q.assignee) clauses.push(`CaseAssignee = '${q.assignee.replace(/'/g, "\\'")}'`);
  return clauses.join(' AND ');
}

/** One entry of GET /cases, from the case's search attributes. */
function caseListEntry(wf: WorkflowExecutionInfo): Record<string, unknown> {
  const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
  return {
    caseId: wf.workflowId.replace(/^case-/, ''),
    status: sa.CaseStatus?.[0] ?? null,
    category: sa.CaseCategory?.[0] ?? null,
    channel: sa.CaseChannel?.[0] ?? null,
    assignee: sa.CaseAssignee?.[0] ?? null,
    openedAt: wf.startTime.toISOString(),
    workflowStatus: wf.status.name,
  };
}

/** GET /cases: a page of cases from Temporal visibility. */
function listCases(env: RouteEnv): RouteDef {
  return {
    method: 'get',
    path: '/cases',
    summary: 'List cases from Temporal visibility',
    permission: 'case.read',
    query: s.listQuery,
    async handle(ctx) {
      const q = ctx.query as z.infer<typeof s.listQuery>;
      const cases: Record<string, unknown>[] = [];
      for await (const wf of env.client.workflow.list({ query: caseListQuery(q), pageSize: q.limit })) {
        cases.push(caseListEntry(wf));
        if (cases.length >= q.limit) break;
      }
      return { body: { cases } };
    },
  };
}

/** The assignee of POST /cases/:caseId/assign: the named agent, or the caller. */
function assigneeOf(env: RouteEnv, agent: string | undefined, caller: Actor): { id: string; name: string } {
  if (!agent) return { id: caller.id, name: caller.name };
  const who = env.staff.agentNamed(agent);
  if (!who) throw new HttpError(422, 'invalid_action', `no agent named '${agent}'`);
  return { id: who.id, name: who.name };
}

/** The agent's actions on a case, one Update each. */
function caseActions(env: RouteEnv): RouteDef[] {
  const evidenceSealKey = evidenceKey(env.config.approvalSigningSecret);
  return [
    env.caseAction(
      '/cases/:caseId/assign',
      'Assign the case (to the caller, or to the named agent)',
      s.assignBody,
      ({ body, caller }) => ({
        def: assignUpdate,
        input: { actor: caller, assignee: assigneeOf(env, body.agent, caller) },
      }),
    ),
    env.caseAction('/cases/:caseId/reply', 'Reply to the customer', s.replyBody, ({ body, caller }) => ({
      def: replyUpdate,
      input: { actor: caller, message: body.message },
    })),
    env.caseAction(
      '/cases/:caseId/verification-request',
      'Send the Account Verification e-mail',
      s.emptyBody,
      ({ caller }) => ({ def: requestVerificationUpdate, input: { actor: caller } }),
    ),
    env.caseAction(
      '/cases/:caseId/checklist/:stepId/complete',
      'Complete a checklist step',
      s.completeStepBody,
      ({ body: { evidence, ...body }, caller, params }) => ({
        def: completeStepUpdate,
        // The evidence enters history sealed, never in clear (src/security/identity-evidence.ts).
        input: {
          actor: caller,
          stepId: params.stepId,
          ...body,
          ...(evidence ? { evidence: { sealed: sealEvidence(evidenceSealKey, evidence) } } : {}),
        },
      }),
    ),
    env.caseAction(
      '/cases/:caseId/checklist/:stepId/skip',
      'Skip a checklist step, with a note',
      s.skipStepBody,
      ({ body, caller, params }) => ({
        def: skipStepUpdate,
        input: { actor: caller, stepId: params.stepId, note: body.note },
      }),
    ),
    env.caseAction('/cases/:caseId/category', 'Change the category', s.categoryBody, ({ body, caller }) => ({
      def: setCategoryUpdate,
      input: { actor: caller, category: body.category },
    })),
    env.caseAction('/cases/:caseId/notes', 'Add an internal note', s.noteBody, ({ body, caller }) => ({
      def: addNoteUpdate,
      input: { actor: caller, text: body.text },
    })),
    env.caseAction('/cases/:caseId/wait-for-customer', 'Wait for the customer', s.waitBody, ({ body, caller }) => ({
      def: waitForCustomerUpdate,
      input: { actor: caller, ...body },
    })),
    env.caseAction(
      '/cases/:caseId/resolve',
      'Resolve (sends the Issue Resolved e-mail)',
      s.resolveBody,
      ({ body, caller }) => ({ def: resolveUpdate, input: { actor: caller, ...body } }),
    ),
    env.caseAction(
      '/cases/:caseId/close',
      'Close a resolved case',
      s.closeBody,
      ({ body, caller }) => ({ def: closeUpdate, input: { actor: caller, ...body } }),
      'case.close',
    ),
    env.caseAction(
      '/cases/:caseId/reopen',
      'Reopen a resolved case, or a closed one within the reopen window',
      s.reopenBody,
      ({ body, caller }) => ({ def: reopenUpdate, input: { actor: caller, reason: body.reason } }),
      'case.reopen',
    ),
  ];
}

/** The case lifecycle routes. */
export function caseRoutes(env: RouteEnv): RouteDef[] {
  return [
    openCaseRoute(env),
    listCases(env),
    {
      method: 'get',
      path: '/cases/:caseId',
      summary: 'The case view (open escalations show the deploys of the 6 hours before them)',
      permission: 'case.read',
      async handle(ctx) {
        return { body: await withRecentDeployments(env.client, await env.viewOf(ctx.params.caseId)) };
      },
    },
    ...caseActions(env),
    {
      // A signal, not an Update: intake must never be refused.
      method: 'post',
      path: '/cases/:caseId/customer-replies',
      summary: 'Relay a customer message (intake)',
      permission: 'case.customerReply',
      body: s.customerReplyBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const handle = env.handleFor(ctx.params.caseId);
        const reply = { message: (ctx.body as z.infer<typeof s.customerReplyBody>).message };
        const key = idempotencyKeyOf(ctx);
        // Signals have no ids of their own: the key rides in the payload and the case ignores a repeat.
        const idempotencyKey = key ? actionUpdateId(ctx.caller!.id, key) : undefined;
        if (idempotencyKey && (await priorUse(handle, idempotencyKey, reply)) === 'replay') {
          return { status: 202, body: await handle.query(caseViewQuery), headers: REPLAYED };
        }
        await handle.signal(customerReplySignal, { ...reply, ...(idempotencyKey ? { idempotencyKey } : {}) });
        return { status: 202, body: await handle.query(caseViewQuery) };
      },
    },
  ];
}
