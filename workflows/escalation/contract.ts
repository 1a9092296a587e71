// Escalation's contract: escalating to Engineering with the seed's template, flagging a trigger,
// acknowledging, resolving and re-grading an escalation, and its search attributes.
import { defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Severity } from '../../src/policy/types';
import type { ActionResult } from '../case/contract';
import type { Actor } from '../case/state';

/** Severity of the case's most severe open escalation (P0-P3). */
export const CaseSeverityAttr = defineSearchAttributeKey('CaseSeverity', SearchAttributeType.KEYWORD);
/** The highest ladder rung any escalation of the case reached (0: never escalated). */
export const CaseEscalationLevelAttr = defineSearchAttributeKey('CaseEscalationLevel', SearchAttributeType.INT);

/** Escalate input: the template's fields; with no severity the seed's When to Escalate rules suggest one. */
export interface EscalateInput {
  actor: Actor;
  severity?: Severity;
  title?: string;
  affectedUsers?: string;
  issue?: string;
  stepsToReproduce?: string[];
  userImpact?: string;
  whatTried?: string;
}
/** Flag one of the category's escalation triggers. */
export interface FlagTriggerInput {
  actor: Actor;
  triggerId: string;
  note?: string;
}
/** Acknowledge an escalation (engineer or above): stops the ladder. */
export interface AcknowledgeEscalationInput {
  actor: Actor;
  escalationId: string;
}
/** Resolve an escalation. */
export interface ResolveEscalationInput {
  actor: Actor;
  escalationId: string;
  note?: string;
}
/** Change an escalation's severity; re-plans its ladder. */
export interface ChangeSeverityInput {
  actor: Actor;
  escalationId: string;
  severity: Severity;
  reason: string;
}

/** Escalate to Engineering. */
export const escalateUpdate = defineUpdate<ActionResult, [EscalateInput]>('escalate');
/** Flag a category escalation trigger (escalates with the trigger's severity). */
export const flagEscalationTriggerUpdate = defineUpdate<ActionResult, [FlagTriggerInput]>('flagEscalationTrigger');
/** Acknowledge an escalation. */
export const acknowledgeEscalationUpdate = defineUpdate<ActionResult, [AcknowledgeEscalationInput]>(
  'acknowledgeEscalation',
);
/** Resolve an escalation. */
export const resolveEscalationUpdate = defineUpdate<ActionResult, [ResolveEscalationInput]>('resolveEscalation');
/** Change an escalation's severity. */
export const changeSeverityUpdate = defineUpdate<ActionResult, [ChangeSeverityInput]>('changeSeverity');
