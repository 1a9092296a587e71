// Stripe webhooks: disputes, refund updates and failed payments reach the case they concern.
// Stripe signs each event; a case remembers the event ids it handled, so retries and replays of
// an event have no second effect.
import type { z } from 'zod/v4';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { verifyStripeSignature } from '../../security/stripe-webhook-signature';
import { CASE_ID_PATTERN, stripeEventSignal, type Actor, type StripeEventInput } from '../../../workflows/contracts';
import { newCaseId } from '../case-ids';
import { HttpError } from '../errors';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';
import type { NewCase } from '../open-case';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
const idOf = (v: unknown): string | undefined => str(v) ?? str((v as { id?: unknown } | null)?.id);
/** Who acts for Stripe's webhooks in case timelines. */
const STRIPE_ACTOR: Actor = { id: 'stripe', name: 'Stripe webhook', role: 'system' };
/** Ids we put into visibility queries: Stripe ids are [A-Za-z0-9_]. */
const PI = /^pi_[A-Za-z0-9_]{1,64}$/;

/** The fields of a Stripe event a case acts on; null for events the orchestrator does not handle. */
export function stripeEventInput(
  event: z.infer<typeof s.stripeEvent>,
): { input: StripeEventInput; caseId?: string } | null {
  const o = event.data.object;
  const base = { id: event.id, objectId: String(o.id ?? '') };
  switch (event.type) {
    case 'charge.dispute.created':
      return {
        input: {
          ...base,
          type: event.type,
          paymentIntentId: idOf(o.payment_intent),
          chargeId: idOf(o.charge),
          amountCents: int(o.amount),
          currency: str(o.currency),
          reason: str(o.reason),
          status: str(o.status),
        },
      };
    case 'refund.updated':
    case 'refund.failed': {
      const caseId = str((o.metadata as Record<string, unknown> | undefined)?.case_id);
      return {
        input: {
          ...base,
          type: event.type,
          paymentIntentId: idOf(o.payment_intent),
          chargeId: idOf(o.charge),
          amountCents: int(o.amount),
          currency: str(o.currency),
          status: str(o.status),
          failureReason: str(o.failure_reason),
        },
        caseId,
      };
    }
    case 'payment_intent.payment_failed': {
      const err = (o.last_payment_error ?? {}) as Record<string, unknown>;
      return {
        input: {
          ...base,
          type: event.type,
          paymentIntentId: base.objectId,
          status: str(o.status),
          declineCode: str(err.decline_code) ?? str(err.code),
          declineMessage: str(err.message),
        },
      };
    }
    default:
      return null;
  }
}

/** The running case of a payment intent, from visibility. */
async function openCaseOf(env: RouteEnv, paymentIntentId: string | undefined): Promise<string | undefined> {
  if (!paymentIntentId || !PI.test(paymentIntentId)) return undefined;
  const query = `WorkflowType = 'supportCaseWorkflow' AND ExecutionStatus = 'Running' AND CasePaymentIntent = '${paymentIntentId}'`;
  for await (const wf of env.client.workflow.list({ query, pageSize: 1 })) return wf.workflowId.replace(/^case-/, '');
  return undefined;
}

/** The Stripe webhook route. */
export function stripeWebhookRoutes(env: RouteEnv): RouteDef[] {
  const { config } = env;
  return [
    {
      method: 'post',
      path: '/webhooks/stripe',
      summary: 'Stripe webhook events (signed by Stripe)',
      permission: null,
      async handle(ctx) {
        const verdict = verifyStripeSignature({
          payload: ctx.rawBody ?? '',
          header: ctx.header('stripe-signature'),
          secret: config.compensation.stripeWebhookSecret,
        });
        if (!verdict.ok || !ctx.rawBody)
          throw new HttpError(
            400,
            'bad_signature',
            `Stripe signature refused: ${verdict.ok ? 'no body' : verdict.reason}`,
          );
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
            return caseId && CASE_ID_PATTERN.test(caseId)
              ? await signal(caseId)
              : ignored('the refund was not made by a case');
          }
          // The case decides what the event means (a dispute raises the category's escalation trigger).
          const open = await openCaseOf(env, input.paymentIntentId);
          if (open) return await signal(open);
          if (input.type === 'payment_intent.payment_failed') return ignored('no open case for this payment');
          // A dispute with no open case opens one. Its id derives from the payment (or, without one,
          // the dispute), and a finished case is never started again: a replayed dispute, or a
          // second one on the same payment, opens no second case.
          const caseId = newCaseId({ caller: 'stripe-dispute', key: input.paymentIntentId ?? input.objectId });
          const caseInput: NewCase = {
            caseId,
            channel: 'email',
            category: 'payment',
            // A dispute names no customer we can write to; the agent fills the facts in from Stripe.
            customer: { name: 'Customer of a disputed payment', email: 'unknown-customer@disputes.invalid' },
            subject: `Dispute ${input.objectId} on a payment`,
            description: `Stripe reported a dispute${input.reason ? ` (${input.reason})` : ''} on charge ${input.chargeId ?? 'unknown'}.`,
            ...(input.paymentIntentId && PI.test(input.paymentIntentId)
              ? { paymentIntentId: input.paymentIntentId }
              : {}),
            openedBy: STRIPE_ACTOR,
          };
          // Started first, then told: the answer says whether this delivery opened the case, even
          // while visibility has not caught up with a case a moment old. Should the signal not
          // arrive, Stripe delivers again (no 2xx), the start is refused and the signal is sent.
          // Not opened: running (the event joins it) or finished (the signal finds nothing).
          const { opened } = await env.openCase(caseInput, {
            summary: `Support case ${caseId} · payment dispute`,
            details: `Opened by a Stripe charge.dispute.created webhook. Case view: ${config.publicBaseUrl}/cases/${caseId}`,
          });
          const told = await signal(caseId);
          return { body: { ...told.body, opened } };
        } catch (err) {
          // An archived case has finished; Stripe must not retry for days over it.
          if (err instanceof WorkflowNotFoundError || err instanceof WorkflowExecutionAlreadyStartedError) {
            return ignored('the case is archived');
          }
          throw err;
        }
      },
    },
  ];
}
