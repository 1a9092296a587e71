// Escalation routes (issue 3): the agent's escalation with the seed's template, category triggers,
// and acknowledge / resolve / re-severity of one escalation. Each is one Update; the workflow
// decides (missing template fields for P0-P2 and unknown triggers are 422, repeats 409).
import { z } from 'zod/v4';
import {
  acknowledgeEscalationUpdate, changeSeverityUpdate, escalateUpdate, flagEscalationTriggerUpdate, resolveEscalationUpdate,
} from '../../../workflows/contracts';
import { SEVERITIES } from '../../policy/types';
import type { RouteDef, RouteEnv } from '../app';

const text = (max: number) => z.string().trim().min(1).max(max);
const severity = z.enum(SEVERITIES);

/** Body of POST /cases/:caseId/escalate: the seed's template; which fields are required depends on the severity. */
export const escalateBody = z.strictObject({
  severity: severity.optional(),
  title: text(150).optional(),
  affectedUsers: text(500).optional(),
  issue: text(5_000).optional(),
  /** One step per entry, or one text with a step per line. */
  stepsToReproduce: z.union([z.array(text(500)).max(30), text(10_000)]).optional(),
  userImpact: text(2_000).optional(),
  whatTried: text(2_000).optional(),
});
/** Body of POST /cases/:caseId/escalation-triggers. */
export const triggerBody = z.strictObject({ trigger: z.string().regex(/^[a-z0-9-]{1,60}$/, 'trigger: a trigger id such as oauth'), note: text(2_000).optional() });
/** Body of POST /cases/:caseId/escalations/:escalationId/ack. */
export const ackBody = z.strictObject({});
/** Body of POST /cases/:caseId/escalations/:escalationId/resolve. */
export const resolveEscalationBody = z.strictObject({ note: text(2_000).optional() });
/** Body of POST /cases/:caseId/escalations/:escalationId/severity. */
export const severityBody = z.strictObject({ severity, reason: text(2_000) });

const steps = (v: string[] | string | undefined) =>
  v === undefined ? undefined : (Array.isArray(v) ? v : v.split(/\r?\n/)).map((l) => l.trim().replace(/^(\d+[.)]|[-*•])\s*/, '').trim()).filter(Boolean);

/** The escalation routes. */
export function escalationRoutes(env: RouteEnv): RouteDef[] {
  return [
    env.caseAction('/cases/:caseId/escalate', 'Escalate to Engineering with the seed\'s template (no severity: one is suggested)', escalateBody,
      ({ body, caller }) => ({ def: escalateUpdate, input: { actor: caller, ...body, stepsToReproduce: steps(body.stepsToReproduce) } })),
    env.caseAction('/cases/:caseId/escalation-triggers', 'Flag an escalation trigger of the case\'s category', triggerBody,
      ({ body, caller }) => ({ def: flagEscalationTriggerUpdate, input: { actor: caller, triggerId: body.trigger, note: body.note } })),
    env.caseAction('/cases/:caseId/escalations/:escalationId/ack', 'Acknowledge an escalation (stops its ladder)', ackBody,
      ({ caller, params }) => ({ def: acknowledgeEscalationUpdate, input: { actor: caller, escalationId: params.escalationId } }), 'escalation.ack'),
    env.caseAction('/cases/:caseId/escalations/:escalationId/resolve', 'Resolve an escalation', resolveEscalationBody,
      ({ body, caller, params }) => ({ def: resolveEscalationUpdate, input: { actor: caller, escalationId: params.escalationId, note: body.note } }), 'escalation.ack'),
    env.caseAction('/cases/:caseId/escalations/:escalationId/severity', 'Change an escalation\'s severity (re-plans its ladder)', severityBody,
      ({ body, caller, params }) => ({ def: changeSeverityUpdate, input: { actor: caller, escalationId: params.escalationId, ...body } })),
  ];
}
