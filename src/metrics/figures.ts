// The seed's five targets and the ticket counts of a period, defined over count queries: every
// figure here is a number of cases matching a filter (src/metrics/visibility.ts turns a filter into
// a Temporal visibility query; the unit tests count hand-made case records the same way). Nothing
// lists cases, so a report over 100,000 cases costs a few hundred counts.
import { nextOpening, type BusinessCalendar } from '../policy/calendar';
import { CATEGORIES, CHANNELS, type SupportPolicy } from '../policy/types';
import type { EscalationFact } from './summary';

/** Cases matching all the given conditions (absent: any). Ranges are [from, to) in ms. */
export interface CaseFilter {
  opened?: { from: number; to: number };
  resolved?: { from: number; to: number };
  closed?: { from: number; to: number };
  /** Not closed (the workflow running and its status not closed). */
  open?: boolean;
  status?: string;
  category?: string;
  channel?: string;
  /** Carries every one of these marks. */
  marks?: string[];
  /** Carries at least one of these marks. */
  anyMark?: string[];
  /** First human response at most this many minutes (in the channel's calendar) after opening; 'any': responded. */
  firstResponseMins?: number | 'any';
  /** First resolution at most this many minutes after opening; 'any': resolved once. */
  resolutionMins?: number | 'any';
  /** Latest resolution of a reopened case at most this many minutes after opening; 'any': has one. */
  finalResolutionMins?: number | 'any';
  severity?: string;
  approvalTier?: string;
  breached?: boolean;
  deadline?: { from: number; to: number };
  openedBefore?: number;
}

/** Counts the cases matching a filter. */
export type CaseCounter = (filter: CaseFilter) => Promise<number>;

/** One of the five targets. */
export interface TargetFigure {
  id: string;
  name: string;
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
  /** Share (percent) of the cases it is over that are within the target. */
  withinTargetPercent: number | null;
  /** How many cases the figure is over, and which. */
  over: number;
  overWhat: string;
}

/** Median, 90th percentile and share within a limit of a duration, in minutes. */
export interface DurationFigure {
  cases: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
  withinTarget: number;
  withinTargetPercent: number | null;
}

/** First response of one channel. */
export interface ChannelFirstResponse extends DurationFigure {
  channel: string;
  /** 'business' when the channel's calendar has business hours, else 'calendar'. */
  time: 'business' | 'calendar';
  calendarId: string;
  opened: number;
  selfService: number;
  notYetAnswered: number;
}

/** Everything a period's report says, each figure with what it is over. */
export interface PeriodFigures {
  from: string;
  to: string;
  tickets: {
    opened: { total: number; byCategory: Record<string, number>; byChannel: Record<string, number>; over: string };
    openedStillOpen: { total: number; byStatus: Record<string, number>; over: string };
    resolved: { total: number; over: string };
    closed: { total: number; over: string };
    perDay: { day: string; category: string; cases: number }[];
  };
  targets: TargetFigure[];
  firstResponse: {
    over: string;
    all: DurationFigure & { selfService: number; notYetAnswered: number };
    byChannel: ChannelFirstResponse[];
    /** Cases per bucket of first-response minutes, for the distribution chart. */
    histogram: { bucket: string; upToMinutes: number | null; cases: number }[];
  };
  resolution: { over: string; first: DurationFigure; finalOfReopened: DurationFigure & { over: string } };
  csat: {
    over: string;
    surveysSent: number;
    ratings: number;
    responseRatePercent: number | null;
    distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
    satisfiedPercent: number | null;
  };
  firstContactResolution: { over: string; closed: number; resolvedFirstContact: number; percent: number | null };
  escalation: {
    over: string;
    opened: number;
    byAgentOrTrigger: number;
    ratePercent: number | null;
    technicalAutomatic: { cases: number; onlyAutomatic: number; note: string };
    bySeverity: Record<string, number>;
    ladderClimbed: number;
  };
  breachedCases: number;
  compensatedCases: number;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const pct = (part: number, whole: number) => (whole === 0 ? null : round1((100 * part) / whole));
/** First-response buckets of the distribution chart, in minutes (the seed's 4-hour line is one edge). */
export const FIRST_RESPONSE_BUCKETS = [5, 15, 30, 60, 120, 240, 480, 1440];
const SEVERITIES = ['P0', 'P1', 'P2', 'P3'];

type DurationField = 'firstResponseMins' | 'resolutionMins' | 'finalResolutionMins';

/**
 * Nearest-rank percentile p of a duration over the cases of `base`, to the minute: the smallest
 * whole minute m with at least ceil(p% of n) cases at or under m. Found by counting: doubling, then
 * halving the interval (about 2·log2(m) counts).
 */
export async function percentileByCount(
  count: CaseCounter,
  base: CaseFilter,
  field: DurationField,
  n: number,
  p: number,
): Promise<number | null> {
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  const atMost = (m: number) => count({ ...base, [field]: m });
  let hi = 1;
  while ((await atMost(hi)) < rank) {
    if (hi > 10_000_000) return null;
    hi *= 2;
  }
  let lo = hi === 1 ? 0 : hi / 2; // atMost(lo) < rank, unless lo is 0
  if (lo === 0 && (await atMost(0)) >= rank) return 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await atMost(mid)) >= rank) hi = mid;
    else lo = mid;
  }
  return hi;
}

async function duration(
  count: CaseCounter,
  base: CaseFilter,
  field: DurationField,
  limitMinutes: number,
): Promise<DurationFigure> {
  const cases = await count({ ...base, [field]: 'any' });
  const [medianMinutes, p90Minutes, withinTarget] = await Promise.all([
    percentileByCount(count, base, field, cases, 50),
    percentileByCount(count, base, field, cases, 90),
    count({ ...base, [field]: limitMinutes }),
  ]);
  return { cases, medianMinutes, p90Minutes, withinTarget, withinTargetPercent: pct(withinTarget, cases) };
}

function judge(
  policy: SupportPolicy,
  id: string,
  value: number | null,
  within: number | null,
  over: number,
  overWhat: string,
): TargetFigure {
  const t = policy.metrics.find((m) => m.id === id);
  if (!t) throw new Error(`the policy has no metric '${id}'`);
  const met = value === null ? null : t.comparator === '<' ? value < t.value : value > t.value;
  return {
    id,
    name: t.name,
    target: t.target,
    value: round1(value),
    unit: t.unit,
    met,
    withinTargetPercent: within,
    over,
    overWhat,
  };
}

function localYmd(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return parts.format(new Date(ms));
}

/** Local midnights from `from` (itself a local midnight) up to `to`, at most 31 days. */
export function localDays(from: number, to: number, timeZone: string): { day: string; from: number; to: number }[] {
  const days: { day: string; from: number; to: number }[] = [];
  let cursor = from;
  while (cursor < to && days.length < 31) {
    const weekday = new Date(`${localYmd(cursor, timeZone)}T12:00:00Z`).getUTCDay();
    const nextDay = ((weekday + 1) % 7) as 0 | 1 | 2 | 3 | 4 | 5 | 6;
    const cal: BusinessCalendar = {
      id: 'day',
      name: 'day',
      timeZone,
      hours: [{ day: nextDay, open: '00:00', close: '24:00' }],
      holidays: [],
    };
    const next = Math.min(to, nextOpening(cal, cursor + 1));
    days.push({ day: localYmd(cursor, timeZone), from: cursor, to: next });
    cursor = next;
  }
  return days;
}

/** Names the policy's escalation sources the seed's target counts: an agent or a trigger. */
export const COUNTED_ESCALATIONS = ['esc:agent', 'esc:trigger'];

/** The figures of the period [from, to). */
export async function periodFigures(
  policy: SupportPolicy,
  count: CaseCounter,
  fromMs: number,
  toMs: number,
): Promise<PeriodFigures> {
  const opened = { opened: { from: fromMs, to: toMs } };
  const resolvedIn = { resolved: { from: fromMs, to: toMs } };
  const closedIn = { closed: { from: fromMs, to: toMs } };
  const categories = [...CATEGORIES, 'uncategorized'];
  const all = <T>(xs: Promise<T>[]) => Promise.all(xs);
  const byKey = async (keys: readonly string[], f: (k: string) => CaseFilter) =>
    Object.fromEntries(await all(keys.map(async (k) => [k, await count(f(k))] as const)));

  const [openedTotal, byCategory, byChannel, stillOpen, resolvedTotal, closedTotal] = await Promise.all([
    count(opened),
    byKey(categories, (category) => ({ ...opened, category })),
    byKey(CHANNELS, (channel) => ({ ...opened, channel })),
    byKey(['new', 'open', 'awaiting_customer', 'resolved'], (status) => ({ ...opened, open: true, status })),
    count(resolvedIn),
    count(closedIn),
  ]);

  const days = localDays(fromMs, toMs, policy.timeZone);
  const perDay = (
    await all(
      days.flatMap((d) =>
        categories.map(async (category) => ({
          day: d.day,
          category,
          cases: await count({ opened: { from: d.from, to: d.to }, category }),
        })),
      ),
    )
  ).filter((x) => x.cases > 0);

  // First response: over the cases opened in the period, per channel in its own calendar.
  const limitMinutes = (id: string) => policy.metrics.find((m) => m.id === id)?.value ?? 0;
  const frLimit = limitMinutes('first_response_time') * 60;
  const byChannelFr = await all(
    CHANNELS.map(async (channel): Promise<ChannelFirstResponse> => {
      const base = { ...opened, channel };
      const calendarId = policy.channels.find((c) => c.id === channel)?.calendarId ?? '24x7';
      const cal = policy.calendars.find((c) => c.id === calendarId);
      const [d, selfService, channelOpened] = await Promise.all([
        duration(count, base, 'firstResponseMins', frLimit),
        count({ ...base, marks: ['self'] }),
        count(base),
      ]);
      return {
        channel,
        time: cal && !cal.alwaysOpen ? 'business' : 'calendar',
        calendarId,
        opened: channelOpened,
        selfService,
        notYetAnswered: Math.max(0, channelOpened - d.cases),
        ...d,
      };
    }),
  );
  const [frAll, selfServiceAll] = await Promise.all([
    duration(count, opened, 'firstResponseMins', frLimit),
    count({ ...opened, marks: ['self'] }),
  ]);
  const edges = await all(FIRST_RESPONSE_BUCKETS.map((m) => count({ ...opened, firstResponseMins: m })));
  const histogram = FIRST_RESPONSE_BUCKETS.map((m, i) => ({
    bucket: i === 0 ? `≤${m} min` : `${FIRST_RESPONSE_BUCKETS[i - 1]}-${m} min`,
    upToMinutes: m as number | null,
    cases: edges[i] - (i === 0 ? 0 : edges[i - 1]),
  })).concat([{ bucket: '>24 h', upToMinutes: null, cases: frAll.cases - edges.at(-1)! }]);

  // Resolution: first resolutions in the period; reopened cases' final resolution over those closed in it.
  const resLimit = limitMinutes('resolution_time') * 60;
  const [firstRes, finalRes] = await Promise.all([
    duration(count, resolvedIn, 'resolutionMins', resLimit),
    duration(count, { ...closedIn, marks: ['reopened'] }, 'finalResolutionMins', resLimit),
  ]);

  // CSAT and FCR: over the cases closed in the period, when both are final.
  const ratings = await Promise.all(['1', '2', '3', '4', '5'].map((r) => count({ ...closedIn, marks: [`csat:${r}`] })));
  const [noSurvey, fcr, marked] = await Promise.all([
    count({ ...closedIn, marks: ['nosurvey'] }),
    count({ ...closedIn, marks: ['fcr'] }),
    // Cases closed in the period that publish marks (opened under a policy with reporting.caseMarks).
    count({ ...closedIn, anyMark: markUniverse(policy) }),
  ]);
  const rated = ratings.reduce((a, b) => a + b, 0);
  const surveysSent = Math.max(0, marked - noSurvey);
  const satisfied = ratings[3] + ratings[4];

  // Escalation: over the cases opened in the period.
  const [counted, technical, technicalAndCounted, climbed, bySeverity, breachedCases, compensatedCases] =
    await Promise.all([
      count({ ...opened, anyMark: COUNTED_ESCALATIONS }),
      count({ ...opened, marks: ['esc:technical'] }),
      count({ ...opened, marks: ['esc:technical'], anyMark: COUNTED_ESCALATIONS }),
      count({ ...opened, marks: ['climbed'] }),
      byKey(SEVERITIES, (s) => ({ ...opened, marks: [`esc:${s}`] })),
      count({ ...opened, marks: ['breached'] }),
      count({ ...opened, marks: ['comp'] }),
    ]);

  const overOpened = 'cases opened in the period, any status';
  const overResolved = 'cases first resolved in the period';
  const overClosed = 'cases closed in the period';
  const hours = (m: number | null) => (m === null ? null : m / 60);
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    tickets: {
      opened: { total: openedTotal, byCategory, byChannel, over: overOpened },
      openedStillOpen: {
        total: Object.values(stillOpen).reduce((a, b) => a + b, 0),
        byStatus: stillOpen,
        over: 'cases opened in the period that are not closed now, by status now',
      },
      resolved: { total: resolvedTotal, over: overResolved },
      closed: { total: closedTotal, over: overClosed },
      perDay,
    },
    targets: [
      judge(
        policy,
        'first_response_time',
        hours(frAll.medianMinutes),
        frAll.withinTargetPercent,
        frAll.cases,
        `${overOpened} that a person answered (median; each channel in its own calendar)`,
      ),
      judge(
        policy,
        'resolution_time',
        hours(firstRes.medianMinutes),
        firstRes.withinTargetPercent,
        firstRes.cases,
        `${overResolved} (median, open to first resolution)`,
      ),
      judge(policy, 'csat', pct(satisfied, rated), pct(satisfied, rated), rated, `ratings of ${overClosed}`),
      judge(policy, 'first_contact_resolution', pct(fcr, closedTotal), pct(fcr, closedTotal), closedTotal, overClosed),
      judge(
        policy,
        'escalation_rate',
        pct(counted, openedTotal),
        pct(openedTotal - counted, openedTotal),
        openedTotal,
        `${overOpened}; escalated by an agent or a trigger (automatic Technical escalations apart)`,
      ),
    ],
    firstResponse: {
      over: `${overOpened}; the automatic in-app answer is self-service, not a first response`,
      all: { ...frAll, selfService: selfServiceAll, notYetAnswered: Math.max(0, openedTotal - frAll.cases) },
      byChannel: byChannelFr,
      histogram,
    },
    resolution: {
      over: overResolved,
      first: firstRes,
      finalOfReopened: { ...finalRes, over: `reopened ${overClosed} (open to final resolution)` },
    },
    csat: {
      over: overClosed,
      surveysSent,
      ratings: rated,
      responseRatePercent: pct(rated, surveysSent),
      distribution: { '1': ratings[0], '2': ratings[1], '3': ratings[2], '4': ratings[3], '5': ratings[4] },
      satisfiedPercent: pct(satisfied, rated),
    },
    firstContactResolution: {
      over: overClosed,
      closed: closedTotal,
      resolvedFirstContact: fcr,
      percent: pct(fcr, closedTotal),
    },
    escalation: {
      over: overOpened,
      opened: openedTotal,
      byAgentOrTrigger: counted,
      ratePercent: pct(counted, openedTotal),
      technicalAutomatic: {
        cases: technical,
        onlyAutomatic: technical - technicalAndCounted,
        note: 'the seed sends every Technical case to Engineering; those escalations are not in the rate',
      },
      bySeverity,
      ladderClimbed: climbed,
    },
    breachedCases,
    compensatedCases,
  };
}

/** Marks every marked case carries one of (its playbook marks): "published marks at all". */
export function markUniverse(policy: SupportPolicy): string[] {
  return [...policy.commonIssues.map((i) => `pb:${i.id}`), 'pb:none'];
}

/** One line of the top issues. */
export interface TopIssue {
  issue: string;
  /** The playbook's id, or the category of cases that matched none. */
  key: string;
  kind: 'playbook' | 'category' | 'unclassified';
  cases: number;
  /** For a category: the most common vocabulary words of its subjects (over the first `wordsOver` cases). */
  words?: string[];
  wordsOver?: number;
}

/** One escalation in the weekly summary. */
export interface EscalationLine extends EscalationFact {
  caseId: string;
}
