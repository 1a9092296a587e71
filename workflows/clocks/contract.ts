// The clocks' contract: re-planning live deadlines under a changed policy or calendar, and the
// clocks' search attributes.
import { defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { BusinessCalendar } from '../../src/policy/calendar';
import type { PlanningPolicy } from './state';

/** The earliest deadline among the case's running SLA clocks. */
export const CaseNextDeadlineAttr = defineSearchAttributeKey('CaseNextDeadline', SearchAttributeType.DATETIME);
/** Whether any SLA clock of the case has breached. */
export const CaseBreachedAttr = defineSearchAttributeKey('CaseBreached', SearchAttributeType.BOOL);

/** A changed policy for live deadlines: calendars, channel targets, severities, resolution target. */
export interface PolicyChangedInput {
  policy: PlanningPolicy;
  by?: string;
}
/** A changed business calendar (replaces the one with the same id). */
export interface CalendarChangedInput {
  calendar: BusinessCalendar;
  by?: string;
}

/** Re-plan running deadlines under a changed policy; a signal so ops can send it from the CLI. */
export const policyChangedSignal = defineSignal<[PolicyChangedInput]>('policyChanged');
/** Re-plan running deadlines under a changed calendar. */
export const calendarChangedSignal = defineSignal<[CalendarChangedInput]>('calendarChanged');
