// Slack interactions: the Approve/Reject buttons of an approval request, and the Acknowledge
// button of an escalation post. Slack signs each request with the app's signing secret (verified
// before anything is read); an approver must be a configured one, an acknowledgement is made by
// the clicking member of the workspace as an engineer.
import type { z } from 'zod/v4';
import { ESCALATION_ACK_ACTION, INCIDENT_ACK_ACTION } from '../../../activities/slack';
import { roleMay } from '../../policy/rules';
import { verifySlackSignature } from '../../security/slack-signature';
import { actorOf } from '../../security/staff-directory';
import {
  acknowledgeEscalationUpdate,
  acknowledgeIncidentUpdate,
  incidentWorkflowId,
  type Actor,
} from '../../../workflows/contracts';
import { HttpError, toHttpError } from '../errors';
import type { Ctx, Reply, RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';
import { decideApproval } from './compensation';

type Payload = z.infer<typeof s.slackInteractionPayload>;

/** Verifies Slack's signature over the raw body (401 otherwise), then reads the block_actions payload (400). */
function verifiedPayload(env: RouteEnv, ctx: Ctx): Payload {
  const verdict = verifySlackSignature({
    signingSecret: env.config.compensation.slackSigningSecret,
    rawBody: ctx.rawBody ?? '',
    timestamp: ctx.header('x-slack-request-timestamp'),
    signature: ctx.header('x-slack-signature'),
  });
  if (!verdict.ok || !ctx.rawBody)
    throw new HttpError(401, 'bad_signature', `Slack signature refused: ${verdict.ok ? 'no body' : verdict.reason}`);
  const form = new URLSearchParams(ctx.rawBody.toString('utf8'));
  try {
    return s.slackInteractionPayload.parse(JSON.parse(form.get('payload') ?? ''));
  } catch {
    throw new HttpError(400, 'bad_request', 'not a Slack button interaction');
  }
}

/** A message only the clicker sees. */
const ephemeral = (text: string, extra: Record<string, unknown> = {}): Reply => ({
  body: { response_type: 'ephemeral', replace_original: false, text, ...extra },
});

/** A refusal the case made (already acknowledged, no such escalation) as Slack's answer; 5xx stay errors. */
function refusal(err: unknown, what: string): Reply {
  const e = toHttpError(err);
  if (e.status >= 500) throw err;
  return ephemeral(`Not ${what}: ${e.message}`, { error: { code: e.code, message: e.message } });
}

/** Approve/Reject of an approval request: the clicking Slack user must be a configured approver. */
async function approvalClick(env: RouteEnv, payload: Payload): Promise<Reply> {
  const action = payload.actions[0];
  if (action.action_id !== 'approval_approve' && action.action_id !== 'approval_reject')
    throw new HttpError(400, 'bad_request', `unknown action '${action.action_id.slice(0, 64)}'`);
  let button: z.infer<typeof s.approvalButtonValue>;
  try {
    button = s.approvalButtonValue.parse(JSON.parse(action.value ?? ''));
  } catch {
    throw new HttpError(400, 'bad_request', 'not an approval button interaction');
  }
  const decision = action.action_id === 'approval_approve' ? 'approve' : 'reject';
  const who = env.config.compensation.slackApprovers[payload.user.id];
  // Slack shows the text of a 200 answer to the clicker; refusals are answers, not HTTP errors.
  if (!who || !roleMay(env.policy, who.role, 'approval.decide'))
    return ephemeral('You are not set up as an approver (SLACK_APPROVERS).');
  try {
    await decideApproval(env, {
      actor: actorOf(who),
      approvalId: button.approvalId,
      decision,
      amountCents: button.amountCents,
      via: 'slack',
    });
  } catch (err) {
    return refusal(err, decision === 'approve' ? 'approved' : 'rejected');
  }
  return {
    body: {
      response_type: 'in_channel',
      replace_original: false,
      text: `${who.name} ${decision === 'approve' ? 'approved' : 'rejected'} ${button.approvalId}.`,
    },
  };
}

/**
 * Who acknowledges: a configured Slack approver (SLACK_APPROVERS) whose role may acknowledge acts
 * as themselves; any other member of the workspace (the signature vouches for Slack, Slack for its
 * member) as an engineer named after their Slack name, `slack:<user id>`.
 */
function ackActor(env: RouteEnv, user: Payload['user']): Actor {
  const who = env.config.compensation.slackApprovers[user.id];
  if (who && roleMay(env.policy, who.role, 'escalation.ack')) return actorOf(who);
  const name = (user.name ?? user.username ?? user.id).replace(/[\r\n]+/g, ' ').slice(0, 100);
  return { id: `slack:${user.id}`, name: `${name} (Slack)`, role: 'engineer' };
}

/**
 * An Acknowledge button (an escalation's post, an incident's thread): the same Update as the API's
 * acknowledge, by whoever `ackActor` says clicked. One click, one Update id: Slack redelivers the
 * same payload (same action_ts), which Temporal answers with the first Update's result.
 */
async function ackClick<V>(
  env: RouteEnv,
  payload: Payload,
  button: { schema: z.ZodType<V>; what: string },
  acknowledge: (value: V, actor: Actor, updateId: string) => Promise<unknown>,
  done: (value: V) => string,
): Promise<Reply> {
  const action = payload.actions[0];
  let value: V;
  try {
    value = button.schema.parse(JSON.parse(action.value ?? ''));
  } catch {
    throw new HttpError(400, 'bad_request', `not ${button.what} Acknowledge button`);
  }
  const clickId = action.action_ts ?? payload.trigger_id;
  if (!clickId) throw new HttpError(400, 'bad_request', 'the interaction has no action_ts');
  try {
    await acknowledge(value, ackActor(env, payload.user), `slack:${payload.user.id}:${clickId}`);
  } catch (err) {
    return refusal(err, 'acknowledged');
  }
  return ephemeral(done(value));
}

/** The Acknowledge button of an escalation post: the same Update as POST .../ack. */
const acknowledgeClick = (env: RouteEnv, payload: Payload) =>
  ackClick(
    env,
    payload,
    { schema: s.escalationButtonValue, what: 'an escalation' },
    (b, actor, updateId) =>
      env.handleFor(b.caseId).executeUpdate(acknowledgeEscalationUpdate, {
        args: [{ actor, escalationId: b.escalationId }],
        updateId,
      }),
    (b) => `You acknowledged ${b.escalationId} of case ${b.caseId}: its ladder stops.`,
  );

/** The Acknowledge button of an incident's thread: the same Update as POST /incidents/:id/ack. */
const acknowledgeIncidentClick = (env: RouteEnv, payload: Payload) =>
  ackClick(
    env,
    payload,
    { schema: s.incidentButtonValue, what: 'an incident' },
    (b, actor, updateId) =>
      env.client.workflow
        .getHandle(incidentWorkflowId(b.incidentId))
        .executeUpdate(acknowledgeIncidentUpdate, { args: [{ actor }], updateId }),
    (b) => `You acknowledged incident ${b.incidentId}: its ladder stops, with every linked case's.`,
  );

/** The Slack interaction route. */
export function slackRoutes(env: RouteEnv): RouteDef[] {
  return [
    {
      // Slack sends button clicks here, form-encoded, signed with the app's signing secret.
      method: 'post',
      path: '/slack/interactions',
      summary:
        "Slack buttons (signed by Slack): an approval's Approve/Reject, an escalation's or incident's Acknowledge",
      permission: null,
      form: true,
      async handle(ctx) {
        const payload = verifiedPayload(env, ctx);
        const id = payload.actions[0].action_id;
        if (id === ESCALATION_ACK_ACTION) return acknowledgeClick(env, payload);
        if (id === INCIDENT_ACK_ACTION) return acknowledgeIncidentClick(env, payload);
        return approvalClick(env, payload);
      },
    },
  ];
}
