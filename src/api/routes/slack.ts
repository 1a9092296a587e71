// Slack interactions: the Approve/Reject buttons of an approval request. Slack signs each request
// with the app's signing secret; the clicking Slack user must be a configured approver.
import type { z } from 'zod/v4';
import { roleMay } from '../../policy/rules';
import { verifySlackSignature } from '../../security/slack-signature';
import { actorOf } from '../../security/staff-directory';
import { HttpError, toHttpError } from '../errors';
import type { Ctx, Reply, RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';
import { decideApproval } from './compensation';

/** An approval button click: who clicked, which button, and the approval and amount it names. */
interface ApprovalClick {
  slackUserId: string;
  decision: 'approve' | 'reject';
  button: z.infer<typeof s.approvalButtonValue>;
}

/** Verifies Slack's signature over the raw body and reads the click; 401 or 400 otherwise. */
function approvalClickOf(env: RouteEnv, ctx: Ctx): ApprovalClick {
  const verdict = verifySlackSignature({
    signingSecret: env.config.compensation.slackSigningSecret,
    rawBody: ctx.rawBody ?? '',
    timestamp: ctx.header('x-slack-request-timestamp'),
    signature: ctx.header('x-slack-signature'),
  });
  if (!verdict.ok || !ctx.rawBody)
    throw new HttpError(401, 'bad_signature', `Slack signature refused: ${verdict.ok ? 'no body' : verdict.reason}`);
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
  if (action !== 'approval_approve' && action !== 'approval_reject')
    throw new HttpError(400, 'bad_request', `unknown action '${action}'`);
  return { slackUserId: payload.user.id, decision: action === 'approval_approve' ? 'approve' : 'reject', button };
}

/** A message only the clicker sees. */
const ephemeral = (text: string, extra: Record<string, unknown> = {}): Reply => ({
  body: { response_type: 'ephemeral', replace_original: false, text, ...extra },
});

/** The Slack interaction route. */
export function slackRoutes(env: RouteEnv): RouteDef[] {
  const { config, policy } = env;
  return [
    {
      // Slack sends button clicks here, form-encoded, signed with the app's signing secret.
      method: 'post',
      path: '/slack/interactions',
      summary: 'Slack Approve/Reject buttons (signed by Slack)',
      permission: null,
      form: true,
      async handle(ctx) {
        const { slackUserId, decision, button } = approvalClickOf(env, ctx);
        const who = config.compensation.slackApprovers[slackUserId];
        // Slack shows the text of a 200 answer to the clicker; refusals are answers, not HTTP errors.
        if (!who || !roleMay(policy, who.role, 'approval.decide'))
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
          const e = toHttpError(err);
          if (e.status >= 500) throw err;
          return ephemeral(`Not ${decision === 'approve' ? 'approved' : 'rejected'}: ${e.message}`, {
            error: { code: e.code, message: e.message },
          });
        }
        return {
          body: {
            response_type: 'in_channel',
            replace_original: false,
            text: `${who.name} ${decision === 'approve' ? 'approved' : 'rejected'} ${button.approvalId}.`,
          },
        };
      },
    },
  ];
}
