// A closed case's facts, derived from its own view; deterministic, so the workflow computes them
// and publishes them as search attributes for the metrics and the weekly report.
import { businessTimeBetween } from '../policy/calendar';
import type { SupportPolicy } from '../policy/types';
import type { CaseView } from '../../workflows/contracts';
import type { CaseFacts, EscalationFact } from './summary';

const SEVERITY_ORDER = ['P3', 'P2', 'P1', 'P0'];

/**
 * First-contact resolution: resolved without an escalation, without a reopen, and with at most
 * one agent reply before resolving (the resolution e-mail itself is not counted as a reply).
 */
export function factsFromView(
  policy: SupportPolicy,
  view: CaseView,
  opts: { escalationDetails?: boolean } = {},
): CaseFacts & { resolutionBusinessMs?: number } {
  const opened = Date.parse(view.times.openedAt);
  const escalations = view.escalations ?? [];
  const highest = escalations
    .map((e) => e.severity)
    .sort((a, b) => SEVERITY_ORDER.indexOf(b) - SEVERITY_ORDER.indexOf(a))[0];
  // Bounded case state: replies whose entries went to the archive count too.
  const replies = view.timeline.filter((t) => t.action === 'replied').length + (view.archivedActions?.replied ?? 0);
  // Policies pinned before `reporting` existed count in the seed's business hours.
  const business = policy.calendars.find((c) => c.id === (policy.reporting?.businessCalendarId ?? 'business-hours'));
  const resolvedAt = view.times.resolvedAt ? Date.parse(view.times.resolvedAt) : undefined;
  const paid = (view.compensations ?? []).filter((c) => c.status === 'applied').reduce((n, c) => n + c.totalCents, 0);
  return {
    caseId: view.caseId,
    category: view.category ?? 'uncategorized',
    channel: view.channel,
    closedAt: view.times.closedAt ?? new Date(0).toISOString(),
    ...(view.times.firstResponseAt ? { firstResponseMs: Date.parse(view.times.firstResponseAt) - opened } : {}),
    ...(resolvedAt !== undefined ? { resolutionMs: resolvedAt - opened } : {}),
    ...(resolvedAt !== undefined && business
      ? { resolutionBusinessMs: businessTimeBetween(business, opened, resolvedAt) }
      : {}),
    firstContactResolution: resolvedAt !== undefined && escalations.length === 0 && view.reopens === 0 && replies <= 1,
    reopens: view.reopens,
    escalated: escalations.length > 0,
    ...(highest ? { highestSeverity: highest } : {}),
    ...(view.csat?.rating !== undefined ? { csat: view.csat.rating } : {}),
    compensationCents: paid,
    breaches: view.sla?.breaches ?? (view.clocks ?? []).filter((c) => c.state === 'breached').length,
    issues: view.commonIssues.map((i) => i.id),
    // Cases with the metrics-marks patch: each escalation for the weekly escalation summary.
    ...(opts.escalationDetails && escalations.length
      ? {
          escalationList: escalationFactsOf(escalations),
        }
      : {}),
  };
}

/** Each escalation as the weekly escalation summary lists it: severity, time to acknowledge, whether its ladder climbed. */
export function escalationFactsOf(escalations: NonNullable<CaseView['escalations']>): EscalationFact[] {
  return escalations.map((e) => ({
    id: e.id,
    severity: e.severity,
    source: e.source,
    createdAt: e.createdAt,
    ...(e.acknowledged
      ? { ackMinutes: Math.round((Date.parse(e.acknowledged.at) - Date.parse(e.createdAt)) / 60_000) }
      : {}),
    // Climbed once a later rung started (as the CaseMarks `climbed` tag says).
    climbed: e.rungs.some((r) => r.index > 0),
  }));
}
