// Compensation and approvals over HTTP (issue 4): proposing, listing pending approvals from
// Temporal visibility, deciding them through the API or Slack buttons, and Stripe webhooks. Each
// route verifies what it must (bearer token, Slack or Stripe signature), then makes one Temporal
// call; the rules (tiers, proposer, stale amounts, decided once) live in the workflow.
import type { z } from 'zod/v4';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { decidableTiers } from '../../policy/compensation';
import { roleMay } from '../../policy/rules';
import type { Role } from '../../policy/types';
import { verifySlackSignature } from '../../security/slack-signature';
import { verifyStripeSignature } from '../../security/stripe-webhook-signature';
import {
  APPROVAL_ID_PATTERN, CASE_ID_PATTERN, caseWorkflowId, decideApprovalUpdate, flagEscalationTriggerUpdate, proposeCompensationUpdate, stripeEventSignal,
  type Actor, type ApprovalDecisionInput, type CaseInput, type StripeEventInput,
} from '../../../workflows/contracts';
import { CASE_WORKFLOW_TYPE, type SupportCaseWorkflow } from '../../../workflows/contracts';
import { newCaseId, type RouteDef, type RouteEnv } from '../app';
import { HttpError, toHttpError } from '../errors';
import * as s from '../schemas';

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
const idOf = (v: unknown): string | undefined => str(v) ?? str((v as { id?: unknown } | null)?.id);
/** Who acts for Stripe's webhooks in case timelines. */
const STRIPE_ACTOR: Actor = { id: 'stripe', name: 'Stripe webhook', role: 'system' };
/** Ids we put into visibility queries: Stripe ids are [A-Za-z0-9_]. */
const PI = /^pi_[A-Za-z0-9_]{1,64}$/;

/** The fields of a Stripe event a case acts on; null for events the orchestrator does not handle. */
export function stripeEventInput(event: z.infer<typeof s.stripeEvent>): { input: StripeEventInput; caseId?: string } | null {
  const o = event.data.object;
  const base = { id: event.id, objectId: String(o.id ?? '') };
  switch (event.type) {
    case 'charge.dispute.created':
      return { input: { ...base, type: event.type, paymentIntentId: idOf(o.payment_intent), chargeId: idOf(o.charge), amountCents: int(o.amount), currency: str(o.currency), reason: str(o.reason), status: str(o.status) } };
    case 'refund.updated':
    case 'refund.failed': {
      const caseId = str((o.metadata as Record<string, unknown> | undefined)?.case_id);
      return { input: { ...base, type: event.type, paymentIntentId: idOf(o.payment_intent), chargeId: idOf(o.charge), amountCents: int(o.amount), currency: str(o.currency), status: str(o.status), failureReason: str(o.failure_reason) }, caseId };
    }
    case 'payment_intent.payment_failed': {
      const err = (o.last_payment_error ?? {}) as Record<string, unknown>;
      return { input: { ...base, type: event.type, paymentIntentId: base.objectId, status: str(o.status), declineCode: str(err.decline_code) ?? str(err.code), declineMessage: str(err.message) } };
    }
    default:
      return null;
  }
}

/** Routes of compensation, approvals, Slack interactions and Stripe webhooks. */
export function compensationRoutes(env: RouteEnv): RouteDef[] {
  const { client, config, policy } = env;

  /** Runs the decision Update on the approval's case; the id names the case. */
  const decide = async (input: ApprovalDecisionInput) => {
    const m = APPROVAL_ID_PATTERN.exec(input.approvalId);
    if (!m) throw new HttpError(404, 'not_found', 'no such approval request');
    return env.handleFor(m[1]).executeUpdate(decideApprovalUpdate, { args: [input] });
  };

  /** The running case of a payment intent, from visibility. */
  const openCaseOf = async (paymentIntentId: string | undefined): Promise<string | undefined> => {
    if (!paymentIntentId || !PI.test(paymentIntentId)) return undefined;
    const query = `WorkflowType = 'supportCaseWorkflow' AND ExecutionStatus = 'Running' AND CasePaymentIntent = '${paymentIntentId}'`;
    for await (const wf of client.workflow.list({ query, pageSize: 1 })) return wf.workflowId.replace(/^case-/, '');
    return undefined;
  };

  /**
   * A dispute escalates per the seed ("Disputed transactions", a payment trigger) through the
   * escalation feature's own Update; a replayed event finds it already flagged and changes nothing.
   */
  const flagDispute = async (caseId: string, disputeId: string): Promise<boolean> => {
    try {
      await env.handleFor(caseId).executeUpdate(flagEscalationTriggerUpdate, {
        args: [{ actor: STRIPE_ACTOR, triggerId: 'disputed-transaction', note: `Stripe dispute ${disputeId}` }],
      });
      return true;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return false; // already flagged, or the case's category has no such trigger
      throw err;
    }
  };

  return [
    env.caseAction('/cases/:caseId/compensation', 'Propose compensation (or change a proposal waiting for approval)', s.compensationBody,
      ({ body, caller }) => ({ def: proposeCompensationUpdate, input: { actor: caller, ...body } }), 'compensation.propose'),

    {
      method: 'get', path: '/approvals', summary: 'List pending approvals the caller may decide', permission: 'approval.decide', query: s.approvalsQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.approvalsQuery>;
        const caller = ctx.caller!;
        const tiers = decidableTiers(policy, caller.role).map((t) => `'${t.role}'`);
        if (tiers.length === 0) return { body: { approvals: [] } };
        const clauses = [
          `WorkflowType = 'supportCaseWorkflow'`, `ExecutionStatus = 'Running'`, 'CasePendingApproval = true',
          `CaseApprovalTier IN (${tiers.join(', ')})`, `CaseApprovalProposer != '${caller.name.replace(/'/g, "\\'")}'`,
        ];
        if (q.overCents !== undefined) clauses.push(`CaseApprovalCents > ${q.overCents}`);
        const approvals: Record<string, unknown>[] = [];
        for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: q.limit })) {
          const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
          approvals.push({
            approvalId: sa.CaseApprovalId?.[0] ?? null,
            caseId: wf.workflowId.replace(/^case-/, ''),
            tier: sa.CaseApprovalTier?.[0] ?? null,
            amountCents: sa.CaseApprovalCents?.[0] ?? null,
            proposedBy: sa.CaseApprovalProposer?.[0] ?? null,
            caseStatus: sa.CaseStatus?.[0] ?? null,
          });
          if (approvals.length >= q.limit) break;
        }
        return { body: { approvals } };
      },
    },

    {
      method: 'post', path: '/approvals/:approvalId/decision', summary: 'Decide a pending approval (the body names the amount)',
      permission: 'approval.decide', body: s.approvalDecisionBody,
      async handle(ctx) {
        const body = ctx.body as z.infer<typeof s.approvalDecisionBody>;
        const view = await decide({ actor: ctx.caller!, approvalId: ctx.params.approvalId, ...body, via: 'api' });
        return { body: view };
      },
    },

    {
      // Slack sends button clicks here, form-encoded, signed with the app's signing secret.
      method: 'post', path: '/slack/interactions', summary: 'Slack Approve/Reject buttons (signed by Slack)', permission: null,
      async handle(ctx) {
        const verdict = verifySlackSignature({
          signingSecret: config.compensation.slackSigningSecret, rawBody: ctx.rawBody ?? '',
          timestamp: ctx.header('x-slack-request-timestamp'), signature: ctx.header('x-slack-signature'),
        });
        if (!verdict.ok || !ctx.rawBody) throw new HttpError(401, 'bad_signature', `Slack signature refused: ${verdict.ok ? 'no body' : verdict.reason}`);
        const form = new URLSearchParams(ctx.rawBody.toString('utf8'));
        let payload: z.infer<typeof s.slackInteractionPayload>;
        let button: z.infer<typeof s.approvalButtonValue>;
        try {
          payload = s.slackInteractionPayload.parse(JSON.parse(form.get('payload') ?? ''));
          button = s.approvalButtonValue.parse(JSON.parse(payload.actions[0].value ?? ''));
        } catch {
          throw new HttpError(400, 'bad_request', 'not an approval button interaction');
        }
        const action = payload.actions[0].action_id;
        if (action !== 'approval_approve' && action !== 'approval_reject') throw new HttpError(400, 'bad_request', `unknown action '${action}'`);
        const who = config.compensation.slackApprovers[payload.user.id];
        // Slack shows the text of a 200 answer to the clicker; refusals are answers, not HTTP errors.
        if (!who || !roleMay(policy, who.role, 'approval.decide')) {
          return { body: { response_type: 'ephemeral', replace_original: false, text: 'You are not set up as an approver (SLACK_APPROVERS).' } };
        }
        const actor: Actor = { id: slug(who.name), name: who.name, role: who.role as Role };
        const decision = action === 'approval_approve' ? 'approve' : 'reject';
        try {
          await decide({ actor, approvalId: button.approvalId, decision, amountCents: button.amountCents, via: 'slack' });
        } catch (err) {
          const e = toHttpError(err);
          if (e.status >= 500) throw err;
          return { body: { response_type: 'ephemeral', replace_original: false, text: `Not ${decision === 'approve' ? 'approved' : 'rejected'}: ${e.message}`, error: { code: e.code, message: e.message } } };
        }
        return { body: { response_type: 'in_channel', replace_original: false, text: `${who.name} ${decision === 'approve' ? 'approved' : 'rejected'} ${button.approvalId}.` } };
      },
    },

    {
      method: 'post', path: '/webhooks/stripe', summary: 'Stripe webhook events (signed by Stripe)', permission: null,
      async handle(ctx) {
        const verdict = verifyStripeSignature({ payload: ctx.rawBody ?? '', header: ctx.header('stripe-signature'), secret: config.compensation.stripeWebhookSecret });
        if (!verdict.ok || !ctx.rawBody) throw new HttpError(400, 'bad_signature', `Stripe signature refused: ${verdict.ok ? 'no body' : verdict.reason}`);
        let event: z.infer<typeof s.stripeEvent>;
        try {
          event = s.stripeEvent.parse(JSON.parse(ctx.rawBody.toString('utf8')));
        } catch {
          throw new HttpError(400, 'bad_request', 'not a Stripe event');
        }
        const extracted = stripeEventInput(event);
        if (!extracted) return { body: { received: true, handled: false, reason: `${event.type} is not handled` } };
        const { input } = extracted;
        // Each case remembers the event ids it handled, so Stripe's retries and replays have no second effect.
        const signal = async (caseId: string) => {
          await env.handleFor(caseId).signal(stripeEventSignal, input);
          return { body: { received: true, handled: true, caseId } };
        };
        const ignored = (reason: string) => ({ body: { received: true, handled: false, reason } });
        try {
          if (input.type === 'refund.updated' || input.type === 'refund.failed') {
            const caseId = extracted.caseId;
            return caseId && CASE_ID_PATTERN.test(caseId) ? await signal(caseId) : ignored('the refund was not made by a case');
          }
          const open = await openCaseOf(input.paymentIntentId);
          if (open && input.type === 'charge.dispute.created') {
            const reply = await signal(open);
            return { body: { ...reply.body, escalated: await flagDispute(open, input.objectId) } };
          }
          if (open) return await signal(open);
          if (input.type === 'payment_intent.payment_failed') return ignored('no open case for this payment');
          // A dispute with no open case opens one; its id derives from the dispute, so a replay finds the same case.
          const caseId = newCaseId({ caller: 'stripe-dispute', key: input.objectId });
          const caseInput: CaseInput = {
            caseId, channel: 'email', category: 'payment',
            // A dispute names no customer we can write to; the agent fills the facts in from Stripe.
            customer: { name: 'Customer of a disputed payment', email: 'unknown-customer@disputes.invalid' },
            subject: `Dispute ${input.objectId} on a payment`,
            description: `Stripe reported a dispute${input.reason ? ` (${input.reason})` : ''} on charge ${input.chargeId ?? 'unknown'}.`,
            ...(input.paymentIntentId && PI.test(input.paymentIntentId) ? { paymentIntentId: input.paymentIntentId } : {}),
            openedBy: STRIPE_ACTOR,
            settings: { adminBaseUrl: config.adminBaseUrl, publicBaseUrl: config.publicBaseUrl },
            policy,
          };
          await client.workflow.signalWithStart<SupportCaseWorkflow, [typeof input]>(CASE_WORKFLOW_TYPE, {
            workflowId: caseWorkflowId(caseId), taskQueue: config.temporal.taskQueue, args: [caseInput],
            signal: stripeEventSignal, signalArgs: [input],
            staticSummary: `Support case ${caseId} · payment dispute`,
            staticDetails: `Opened by a Stripe charge.dispute.created webhook. Case view: ${config.publicBaseUrl}/cases/${caseId}`,
          });
          return { body: { received: true, handled: true, caseId, opened: true, escalated: await flagDispute(caseId, input.objectId) } };
        } catch (err) {
          // An archived case has finished; Stripe must not retry for days over it.
          if (err instanceof WorkflowNotFoundError) return ignored('the case is archived');
          throw err;
        }
      },
    },
  ];
}
