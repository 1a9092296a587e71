// What SLA clocks add to a case: every clock as plain data (deadlines are computed from the
// calendars, never stored), the breach and warning counts, and the staff-notice outbox.
import type { ClockView, SlaClock } from '../../src/policy/clocks';
import type { SupportPolicy } from '../../src/policy/types';
import type { EffectsState } from '../case/state';

/** The parts of the policy that plan deadlines; a policyChanged signal replaces them. */
export type PlanningPolicy = Pick<
  SupportPolicy,
  'version' | 'calendars' | 'channels' | 'severities' | 'resolutionTargetMinutes'
>;

/** The clocks' part of the case view. */
export interface ClocksSlice {
  /** Every SLA clock of the case; absent on cases opened before clocks existed. */
  clocks?: ClockView[];
  /** When the clocks figures were computed (workflow time). */
  clocksAsOf?: string;
  /** SLA facts for the weekly metrics. */
  sla?: { breaches: number; customerFacingBreaches: number; warnings: number; policyVersion: string };
}

/** Clock state carried across continue-as-new. */
export interface SlaState {
  clocks: SlaClock[];
  /** Bumped on every change to clocks or escalations; timer loops re-plan when their plan moves. */
  rev: number;
  /** Set by policyChanged / calendarChanged; absent: the policy pinned at open. */
  planning?: PlanningPolicy;
  nextReplies: number;
  resolutions: number;
  breaches: number;
  customerFacingBreaches: number;
  warnings: number;
  effects: EffectsState;
}
