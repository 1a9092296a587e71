// Escalation over HTTP: the agent's escalation with the seed's template, category triggers,
// and acknowledge / resolve / re-severity of one escalation. Each is one Update; the workflow
// decides (missing template fields for P0-P2 and unknown triggers are 422, repeats 409).
import {
  acknowledgeEscalationUpdate,
  changeSeverityUpdate,
  escalateUpdate,
  flagEscalationTriggerUpdate,
  resolveEscalationUpdate,
} from '../../../workflows/contracts';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

/** The steps to reproduce as a list: one per entry or line, without their numbering or bullets. */
const steps = (v: string[] | string | undefined) =>
  v === undefined
    ? undefined
    : (Array.isArray(v) ? v : v.split(/\r?\n/))
        .map((l) =>
          l
            .trim()
            .replace(/^(\d+[.)]|[-*•])\s*/, '')
            .trim(),
        )
        .filter(Boolean);

/** The escalation routes. */
export function escalationRoutes(env: RouteEnv): RouteDef[] {
  return [
    env.caseAction(
      '/cases/:caseId/escalate',
      "Escalate to Engineering with the seed's template (no severity: one is suggested)",
      s.escalateBody,
      ({ body, caller }) => ({
        def: escalateUpdate,
        input: { actor: caller, ...body, stepsToReproduce: steps(body.stepsToReproduce) },
      }),
    ),
    env.caseAction(
      '/cases/:caseId/escalation-triggers',
      "Flag an escalation trigger of the case's category",
      s.triggerBody,
      ({ body, caller }) => ({
        def: flagEscalationTriggerUpdate,
        input: { actor: caller, triggerId: body.trigger, note: body.note },
      }),
    ),
    env.caseAction(
      '/cases/:caseId/escalations/:escalationId/ack',
      'Acknowledge an escalation (stops its ladder)',
      s.ackBody,
      ({ caller, params }) => ({
        def: acknowledgeEscalationUpdate,
        input: { actor: caller, escalationId: params.escalationId },
      }),
      'escalation.ack',
    ),
    env.caseAction(
      '/cases/:caseId/escalations/:escalationId/resolve',
      'Resolve an escalation',
      s.resolveEscalationBody,
      ({ body, caller, params }) => ({
        def: resolveEscalationUpdate,
        input: { actor: caller, escalationId: params.escalationId, note: body.note },
      }),
      'escalation.ack',
    ),
    env.caseAction(
      '/cases/:caseId/escalations/:escalationId/severity',
      "Change an escalation's severity (re-plans its ladder)",
      s.severityBody,
      ({ body, caller, params }) => ({
        def: changeSeverityUpdate,
        input: { actor: caller, escalationId: params.escalationId, ...body },
      }),
    ),
  ];
}
