// PagerDuty v3 webhooks: an on-call engineer acknowledging a page in PagerDuty stops the case's
// ladder, the same as the API's acknowledge. The page's dedup key (`case-<caseId>:<escalationId>:
// rung-<k>`, set when the case paged) names the case and the escalation.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { z } from 'zod/v4';
import { verifyPagerDutySignature } from '../../security/pagerduty-signature';
import {
  acknowledgeEscalationUpdate,
  acknowledgeIncidentUpdate,
  incidentWorkflowId,
  type Actor,
} from '../../../workflows/contracts';
import { HttpError } from '../errors';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

const DEDUP_KEY = /^case-(ES-[A-Z0-9]{10}):(esc-\d{1,6}):rung-\d{1,3}$/;
/** An incident's page: `incident-<incidentId>:rung-<k>`. */
const INCIDENT_DEDUP_KEY = /^incident-(INC-[A-Z0-9]{8}):rung-\d{1,3}$/;

export function pagerDutyWebhookRoutes(env: RouteEnv): RouteDef[] {
  const { config } = env;
  return [
    {
      method: 'post',
      path: '/webhooks/pagerduty',
      summary: 'PagerDuty v3 webhook events (signed by PagerDuty): incident.acknowledged stops the ladder',
      permission: null,
      async handle(ctx) {
        if (!verifyPagerDutySignature(config.pagerDuty.webhookSecret, ctx.rawBody, ctx.header('x-pagerduty-signature')))
          throw new HttpError(401, 'bad_signature', 'PagerDuty signature refused');
        let body: z.infer<typeof s.pagerDutyWebhook>;
        try {
          body = s.pagerDutyWebhook.parse(JSON.parse(ctx.rawBody!.toString('utf8')));
        } catch {
          throw new HttpError(400, 'bad_request', 'not a PagerDuty v3 webhook');
        }
        const { event } = body;
        const ignored = (reason: string) => ({ body: { received: true, handled: false, reason } });
        if (event.event_type !== 'incident.acknowledged') return ignored(`${event.event_type} is not handled`);
        // The signature vouches for PagerDuty; PagerDuty vouches for its on-call engineer.
        const actor: Actor = {
          id: `pagerduty:${(event.agent?.id ?? 'unknown').slice(0, 60)}`,
          name: `${(event.agent?.summary ?? 'On-call engineer').slice(0, 100)} (PagerDuty)`,
          role: 'engineer',
        };
        const inc = INCIDENT_DEDUP_KEY.exec(event.data.incident_key ?? '');
        if (inc) {
          // An outage's page: acknowledging the incident stops every linked case's engineering clock.
          const incidentId = inc[1];
          try {
            await env.client.workflow
              .getHandle(incidentWorkflowId(incidentId))
              .executeUpdate(acknowledgeIncidentUpdate, { args: [{ actor }], updateId: `pagerduty:${event.id}` });
          } catch (err) {
            if (err instanceof WorkflowUpdateFailedError)
              return ignored(err.cause?.message ?? 'refused by the incident');
            if ((err as Error).name === 'WorkflowNotFoundError') return ignored('no such incident is running');
            throw err;
          }
          return { body: { received: true, handled: true, incidentId } };
        }
        const m = DEDUP_KEY.exec(event.data.incident_key ?? '');
        if (!m) return ignored('the incident was not paged by a case');
        const [, caseId, escalationId] = m;
        try {
          // Keyed by PagerDuty's event id: a redelivered webhook acknowledges nothing twice.
          await env.handleFor(caseId).executeUpdate(acknowledgeEscalationUpdate, {
            args: [{ actor, escalationId }],
            updateId: `pagerduty:${event.id}`,
          });
        } catch (err) {
          // Already acknowledged (through the API, or our own acknowledgement coming back): nothing to do.
          if (err instanceof WorkflowUpdateFailedError) return ignored(err.cause?.message ?? 'refused by the case');
          throw err;
        }
        return { body: { received: true, handled: true, caseId, escalationId } };
      },
    },
  ];
}
