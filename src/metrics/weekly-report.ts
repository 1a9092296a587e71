// The seed's weekly report: totals by category, resolution times, CSAT, top issues, escalation
// summary, and every metric against its target. Pure and deterministic: the report workflow and
// GET /reports/weekly build the same report from the same facts.
import { nextOpening, type BusinessCalendar } from '../policy/calendar';
import type { SupportPolicy } from '../policy/types';
import type { EscalationLine, PeriodFigures, TopIssue } from './figures';
import { summarize, type CaseFacts, type MetricsSummary } from './summary';

const DAY = 86_400_000;

/** A report week, 'YYYY-Www' (ISO 8601). */
export const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

function localDate(ms: number, timeZone: string): { y: number; m: number; d: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

const ymd = (ms: number, timeZone: string) => {
  const { y, m, d } = localDate(ms, timeZone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

/** ISO week label of the local date at ms in the time zone. */
export function isoWeekOf(ms: number, timeZone: string): string {
  const { y, m, d } = localDate(ms, timeZone);
  const date = Date.UTC(y, m - 1, d);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0
  const thursday = date + (3 - weekday) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Start (local Monday 00:00) and end (the next Monday 00:00) of an ISO week, as UTC ms. */
export function weekBounds(label: string, timeZone: string): { from: number; to: number } {
  const match = WEEK_PATTERN.exec(label);
  if (!match) throw new Error(`week must look like 2026-W48, not '${label}'`);
  const [year, week] = [Number(match[1]), Number(match[2])];
  const jan4 = Date.UTC(year, 0, 4);
  const mondayUtcDate = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY + (week - 1) * 7 * DAY;
  if (week < 1 || isoWeekOf(mondayUtcDate + 12 * 3_600_000, 'UTC') !== label)
    throw new Error(`${label} is not a week of ${year}`);
  // Local midnight of a date: the first Monday-open instant of a calendar that is open all Monday.
  const mondays: BusinessCalendar = {
    id: 'mondays',
    name: 'Mondays',
    timeZone,
    hours: [{ day: 1, open: '00:00', close: '24:00' }],
    holidays: [],
  };
  const localMidnight = (utcDate: number) => nextOpening(mondays, utcDate - 14 * 3_600_000);
  return { from: localMidnight(mondayUtcDate), to: localMidnight(mondayUtcDate + 7 * DAY) };
}

/** The week before the one containing ms: what a Monday-morning run reports on. */
export function previousWeek(ms: number, timeZone: string): string {
  return isoWeekOf(ms - 7 * DAY, timeZone);
}

/** What the weekly report is made of: the period's figures, the top issues and each escalation. */
export interface WeeklyReportData {
  figures: PeriodFigures;
  topIssues: TopIssue[];
  escalations: { lines: EscalationLine[]; casesListed: number };
}

/** The weekly report. */
export interface WeeklyReport extends WeeklyReportData {
  week: string;
  from: string;
  to: string;
  timeZone: string;
  text: string;
}

const num = (v: number | null, unit = '') => (v === null ? 'n/a' : `${v}${unit}`);
const hm = (minutes: number | null) =>
  minutes === null ? 'n/a' : minutes < 120 ? `${minutes} min` : `${Math.round((minutes / 60) * 10) / 10} h`;
const valueOf = (t: { value: number | null; unit: string }) =>
  t.value === null ? 'n/a' : t.unit === 'percent' ? `${t.value}%` : `${t.value} ${t.unit}`;

/** Builds the report of a week: every ticket opened in it, the five targets, top issues, escalations. */
export function buildWeeklyReport(policy: SupportPolicy, week: string, data: WeeklyReportData): WeeklyReport {
  const { from, to } = weekBounds(week, policy.timeZone);
  const f = data.figures;
  const t = f.tickets;
  const categoryName = (c: string) => policy.categories.find((x) => x.id === c)?.name ?? 'Uncategorized';
  const lines = [
    `EduStream Support weekly report ${week} (${ymd(from, policy.timeZone)} to ${ymd(to - 1, policy.timeZone)}, ${policy.timeZone})`,
    '',
    `Tickets opened: ${t.opened.total} (${t.openedStillOpen.total} still open: ${
      Object.entries(t.openedStillOpen.byStatus)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none'
    })`,
    ...Object.entries(t.opened.byCategory)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `  ${categoryName(c)}: ${n}`),
    `  by channel: ${Object.entries(t.opened.byChannel)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
    `Resolved (first time) this week: ${t.resolved.total}; closed this week: ${t.closed.total}`,
    '',
    'Targets:',
    ...f.targets.map(
      (m) =>
        `  ${m.met === null ? '-     ' : m.met ? 'MET   ' : 'MISSED'} ${m.name}: ${valueOf(m)} (target ${m.target}); ${num(m.withinTargetPercent, '%')} within target, over ${m.over} ${m.overWhat}`,
    ),
    '',
    "First response (a person's first reply or verification request; median / 90th percentile / within 4 h):",
    ...f.firstResponse.byChannel.map(
      (c) =>
        `  ${c.channel} (${c.time} time): ${hm(c.medianMinutes)} / ${hm(c.p90Minutes)} / ${num(c.withinTargetPercent, '%')} of ${c.cases} answered; ${c.selfService} self-service, ${c.notYetAnswered} not yet answered`,
    ),
    `Resolution: open to first resolution median ${hm(f.resolution.first.medianMinutes)}, 90th percentile ${hm(f.resolution.first.p90Minutes)}, ${num(f.resolution.first.withinTargetPercent, '%')} within 24 h (${f.resolution.first.cases} cases)`,
    `  reopened cases, open to final resolution: median ${hm(f.resolution.finalOfReopened.medianMinutes)} (${f.resolution.finalOfReopened.cases} cases)`,
    `CSAT: ${num(f.csat.satisfiedPercent, '%')} rated 4 or 5; ${f.csat.ratings} ratings of ${f.csat.surveysSent} surveys (response rate ${num(f.csat.responseRatePercent, '%')}); ${Object.entries(
      f.csat.distribution,
    )
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ')}`,
    `First contact resolution: ${f.firstContactResolution.resolvedFirstContact} of ${f.firstContactResolution.closed} closed cases (${num(f.firstContactResolution.percent, '%')})`,
    '',
    'Top issues:',
    ...(data.topIssues.length ? data.topIssues.map((i) => `  ${i.issue}: ${i.cases}`) : ['  none']),
    '',
    `Escalations: ${f.escalation.byAgentOrTrigger} by an agent or a trigger of ${f.escalation.opened} opened (${num(f.escalation.ratePercent, '%')}); ladder climbed on ${f.escalation.ladderClimbed}`,
    `  automatic Technical escalations (the seed sends every Technical case to Engineering): ${f.escalation.technicalAutomatic.cases}, of them only automatic: ${f.escalation.technicalAutomatic.onlyAutomatic}`,
    ...data.escalations.lines.map(
      (e) =>
        `  ${e.severity} ${e.caseId} (${e.source}): ${e.ackMinutes === undefined ? 'not acknowledged' : `acknowledged after ${e.ackMinutes} min`}, ladder ${e.climbed ? 'climbed' : 'did not climb'}`,
    ),
    `SLA breaches: ${f.breachedCases} cases; compensated: ${f.compensatedCases} cases`,
  ];
  return {
    week,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    timeZone: policy.timeZone,
    ...data,
    text: lines.join('\n'),
  };
}

/** The weekly report of runs started before charts (closed cases only). */
export interface LegacyWeeklyReport {
  week: string;
  from: string;
  to: string;
  timeZone: string;
  summary: MetricsSummary;
  text: string;
}

const fmt = (v: number | null, unit: string) => (v === null ? 'n/a' : unit === 'percent' ? `${v}%` : `${v} ${unit}`);

/** Builds the report of a week from the facts of the cases that closed in it (report runs started before charts). */
export function buildLegacyWeeklyReport(policy: SupportPolicy, week: string, facts: CaseFacts[]): LegacyWeeklyReport {
  const { from, to } = weekBounds(week, policy.timeZone);
  const summary = summarize(policy, facts, new Date(from).toISOString(), new Date(to).toISOString());
  const s = summary;
  const lines = [
    `EduStream Support weekly report ${week} (${ymd(from, policy.timeZone)} to ${ymd(to - 1, policy.timeZone)}, ${policy.timeZone})`,
    '',
    `Total tickets closed: ${s.cases}`,
    ...Object.entries(s.byCategory)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `  ${c}: ${n}`),
    '',
    'Targets:',
    ...s.metrics.map(
      (m) =>
        `  ${m.met === null ? '-' : m.met ? 'MET   ' : 'MISSED'} ${m.name}: ${fmt(m.value, m.unit)} (target ${m.target})${m.detail ? `; ${m.detail}` : ''}`,
    ),
    '',
    `Resolution times: median ${fmt(s.resolution.medianHours, 'hours')}, 90th percentile ${fmt(s.resolution.p90Hours, 'hours')}`,
    `First response: median ${fmt(s.firstResponse.medianMinutes, 'minutes')}, 90th percentile ${fmt(s.firstResponse.p90Minutes, 'minutes')}`,
    '',
    'Top issues:',
    ...(s.topIssues.length ? s.topIssues.map((t) => `  ${t.issue}: ${t.cases}`) : ['  none']),
    '',
    `Escalations: ${s.escalations.total}${
      Object.keys(s.escalations.bySeverity).length
        ? ` (${Object.entries(s.escalations.bySeverity)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`
        : ''
    }`,
    `SLA breaches: ${s.breaches}`,
    `Compensation paid: $${(s.compensationCents / 100).toFixed(2)}`,
  ];
  return {
    week,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    timeZone: policy.timeZone,
    summary,
    text: lines.join('\n'),
  };
}
