// What a case publishes for the metrics while it runs (not only when it closes): tags in one
// KeywordList search attribute and a few numbers, so every figure of the metrics and the weekly
// report is a visibility count query. Pure and deterministic: the workflow computes it on publish.
import { businessTimeBetween } from '../policy/calendar';
import type { SupportPolicy } from '../policy/types';
import type { CaseView } from '../../workflows/contracts';
import type { MetricsState as MetricsLatch } from '../../workflows/metrics/state';

export type { MetricsLatch };

/** What the case publishes: CaseMarks, CaseResolvedAt and the three minute figures. */
export interface PublishedMetrics {
  marks: string[];
  resolvedAt: Date | null;
  firstResponseMins: number | null;
  resolutionMins: number | null;
  finalResolutionMins: number | null;
}

const STOP = new Set(['the', 'and', 'for', 'not', 'with', 'can', 'cannot', 'issues', 'issue', 'from', 'after']);

/** The policy's own words (category keywords and examples, playbook titles): the only words a subject may contribute. */
export function policyVocabulary(policy: SupportPolicy): Set<string> {
  const text = [
    ...policy.categories.flatMap((c) => [...c.keywords, ...c.examples]),
    ...policy.commonIssues.map((i) => i.title),
  ];
  return new Set(
    text
      .join(' ')
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((w) => w.length >= 3 && !STOP.has(w)),
  );
}

/** Up to three distinct vocabulary words of a subject line, in their order. */
export function subjectWords(policy: SupportPolicy, subject: string): string[] {
  const vocabulary = policyVocabulary(policy);
  const words = subject.toLowerCase().split(/[^a-z]+/);
  return [...new Set(words.filter((w) => vocabulary.has(w)))].slice(0, 3);
}

/** Today's first-contact resolution: resolved without escalation or reopen, at most one agent reply before it. */
export function firstContactResolved(view: CaseView): boolean {
  const replies = view.timeline.filter((t) => t.action === 'replied').length + (view.archivedActions?.replied ?? 0);
  return (
    view.times.resolvedAt !== undefined && (view.escalations ?? []).length === 0 && view.reopens === 0 && replies <= 1
  );
}

/** Minutes between two instants in a calendar (business time for a business-hours calendar). */
function minutesIn(policy: SupportPolicy, calendarId: string | undefined, fromMs: number, toMs: number): number {
  const cal = policy.calendars.find((c) => c.id === calendarId);
  const ms = cal ? businessTimeBetween(cal, fromMs, toMs) : toMs - fromMs;
  return Math.round((ms / 60_000) * 10) / 10;
}

/** The marks and numbers of a case as it is now. */
export function metricsOf(policy: SupportPolicy, view: CaseView, latch: MetricsLatch): PublishedMetrics {
  const opened = Date.parse(view.times.openedAt);
  const channel = policy.channels.find((c) => c.id === view.channel);
  const escalations = view.escalations ?? [];
  const marks = new Set<string>();
  // Responded and resolved are `CaseFirstResponseMins >= 0` and `CaseResolvedAt` in a range; marks
  // stay short, since every upsert of them is in the case's history.
  if (latch.selfService) marks.add('self');
  if (view.reopens > 0) marks.add('reopened');
  // Final only when the case closes, and published then, in the close's own upsert: a survey or a
  // rating adds no upsert of its own to history.
  if (view.status === 'closed') {
    if (firstContactResolved(view)) marks.add('fcr');
    if (!view.csat?.surveySentAt) marks.add('nosurvey');
    if (view.csat?.rating !== undefined) marks.add(`csat:${view.csat.rating}`);
  }
  for (const e of escalations) {
    marks.add(e.source === 'agent' ? 'esc:agent' : e.source === 'category' ? 'esc:technical' : 'esc:trigger');
    marks.add(`esc:${e.severity}`);
    // Climbed once a later rung started (the same publish as CaseEscalationLevel: no upsert of its own).
    if (e.rungs.some((r) => r.index > 0)) marks.add('climbed');
  }
  if ((view.sla?.breaches ?? (view.clocks ?? []).filter((c) => c.state === 'breached').length) > 0)
    marks.add('breached');
  if ((view.compensations ?? []).some((c) => c.status === 'applied')) marks.add('comp');
  for (const i of view.commonIssues) marks.add(`pb:${i.id}`);
  if (view.commonIssues.length === 0) {
    marks.add('pb:none');
    for (const w of latch.words ?? []) marks.add(`w:${w}`);
  }
  // Only a reopened case has a final resolution apart from its first.
  const finalResolved =
    view.reopens > 0 && (view.status === 'resolved' || view.status === 'closed') && view.times.resolvedAt
      ? Math.round(((Date.parse(view.times.resolvedAt) - opened) / 60_000) * 10) / 10
      : null;
  return {
    marks: [...marks].sort(),
    resolvedAt: latch.firstResolvedAtMs !== undefined ? new Date(latch.firstResolvedAtMs) : null,
    firstResponseMins:
      latch.firstHumanResponseAtMs !== undefined
        ? minutesIn(policy, channel?.calendarId, opened, latch.firstHumanResponseAtMs)
        : null,
    resolutionMins:
      latch.firstResolvedAtMs !== undefined
        ? Math.round(((latch.firstResolvedAtMs - opened) / 60_000) * 10) / 10
        : null,
    finalResolutionMins: finalResolved,
  };
}
