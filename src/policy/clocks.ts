// SLA clocks as plain, serialisable data. Deadlines are computed from the calendars passed in,
// never stored, so a calendar or policy change re-plans every running clock and a clock survives
// continue-as-new as it is. Runs inside the workflow sandbox: no I/O, no Date.now(); every
// instant is epoch ms handed in by the caller (workflow time).
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './calendar';
import { tokenize } from './rules';
import type { Channel, Severity, SupportPolicy } from './types';

/** What a clock measures. */
export type ClockKind = 'first_response' | 'next_reply' | 'resolution' | 'engineering_response';
/** Where a clock stands. */
export type ClockState = 'running' | 'paused' | 'met' | 'breached';
/** A pause; `to` is absent while the clock is still paused. */
export interface ClockPause {
  from: number;
  to?: number;
}

/** A clock's target as the policy sets it, before it starts. */
export interface SlaClockDef {
  /** Unique on the case; a restarted or repeated clock gets its own id (e.g. `engineering_response:esc-2`). */
  id: string;
  kind: ClockKind;
  label: string;
  calendarId: string;
  targetMinutes: number;
  /** Business minutes before the deadline at which the warning falls due; 0 = no warning. */
  warnBeforeMinutes: number;
  /** Customer-facing clocks pause while the case waits on the customer. */
  customerFacing: boolean;
}

/** A started clock. */
export interface SlaClock extends SlaClockDef {
  startedAt: number;
  pauses: ClockPause[];
  state: ClockState;
  metAt?: number;
  breachedAt?: number;
  warnedAt?: number;
}

/** The next timer a case must set for its clocks. */
export interface DueClockEvent {
  clockId: string;
  kind: 'warn' | 'breach';
  atMs: number;
}

/** A clock as the case view shows it. */
export interface ClockView {
  id: string;
  kind: ClockKind;
  label: string;
  state: ClockState;
  customerFacing: boolean;
  calendarId: string;
  targetMinutes: number;
  startedAt: string;
  /** Running: the live deadline. Met or breached: the deadline it was held to. Paused: null. */
  deadline: string | null;
  warnAt: string | null;
  /** Business time left against the target; negative once overdue, frozen when met. */
  remainingMs: number;
  elapsedBusinessMs: number;
  pauses: Array<{ from: string; to?: string }>;
  metAt?: string;
  breachedAt?: string;
  warnedAt?: string;
}

const MINUTE = 60_000;

/** Share of the target that the warning comes before the deadline, until the policy carries its own field. */
export const WARN_BEFORE_PERCENT = 20;

/**
 * Warning lead time for a target: 20% of it rounded up, at least 1 minute. A 1-minute target
 * gets none (a warning at the start would say nothing). Integer maths, so 15 gives 3, not 4.
 */
export function warnBeforeMinutesFor(targetMinutes: number): number {
  if (targetMinutes <= 1) return 0;
  return Math.max(1, Math.ceil((targetMinutes * WARN_BEFORE_PERCENT) / 100));
}

/** The warning lead of a clock: the policy's `sla.warnBeforePercent` (default 20%) of its target. */
export function policyWarnBefore(policy: Pick<SupportPolicy, 'sla'>, targetMinutes: number): number {
  const pct = policy.sla?.warnBeforePercent ?? 20;
  if (targetMinutes <= 1 || pct <= 0) return 0;
  return Math.max(1, Math.ceil((targetMinutes * pct) / 100));
}

/** The clocks a case starts at open: first response (where the channel has one) and resolution. */
export function openingClocks(policy: SupportPolicy, channel: Channel, openedAtMs: number): SlaClock[] {
  const defs = clockDefsFor(policy, { channel });
  return (['first_response', 'resolution'] as const).flatMap((kind) => {
    const def = defs.find((d) => d.kind === kind);
    return def
      ? [startClock({ ...def, id: kind, warnBeforeMinutes: policyWarnBefore(policy, def.targetMinutes) }, openedAtMs)]
      : [];
  });
}

/** The calendar a clock counts in; throws naming both ids when the policy lacks it. */
export function calendarFor(
  clock: Pick<SlaClockDef, 'id' | 'calendarId'>,
  calendars: readonly BusinessCalendar[],
): BusinessCalendar {
  const cal = calendars.find((c) => c.id === clock.calendarId);
  if (!cal)
    throw new Error(
      `clock ${JSON.stringify(clock.id)} counts in calendar ${JSON.stringify(clock.calendarId)}, which the policy does not define`,
    );
  return cal;
}

/** Calendar ids the clocks use that `calendars` lacks; check before applying a changed policy. */
export function unknownCalendarIds(
  clocks: ReadonlyArray<Pick<SlaClockDef, 'calendarId'>>,
  calendars: readonly BusinessCalendar[],
): string[] {
  const known = new Set(calendars.map((c) => c.id));
  return [...new Set(clocks.map((c) => c.calendarId).filter((id) => !known.has(id)))];
}

/** A running clock from its definition. */
export function startClock(def: SlaClockDef, atMs: number): SlaClock {
  return {
    id: def.id,
    kind: def.kind,
    label: def.label,
    calendarId: def.calendarId,
    targetMinutes: def.targetMinutes,
    warnBeforeMinutes: def.warnBeforeMinutes,
    customerFacing: def.customerFacing,
    startedAt: atMs,
    pauses: [],
    state: 'running',
  };
}

// Callers pass workflow time, which never goes backwards; clamping keeps a replayed or
// out-of-order event from producing a negative interval instead of failing the workflow task.
function lastEventAt(clock: SlaClock): number {
  const last = clock.pauses[clock.pauses.length - 1];
  return last === undefined ? clock.startedAt : Math.max(last.from, last.to ?? last.from);
}

/** Pauses a running clock; anything else is returned unchanged. */
export function pauseClock(clock: SlaClock, atMs: number): SlaClock {
  if (clock.state !== 'running') return clock;
  return { ...clock, state: 'paused', pauses: [...clock.pauses, { from: Math.max(atMs, lastEventAt(clock)) }] };
}

function closePause(clock: SlaClock, atMs: number): ClockPause[] {
  const pauses = clock.pauses.slice(0, -1);
  const open = clock.pauses[clock.pauses.length - 1];
  if (open === undefined) return pauses;
  const to = Math.max(atMs, open.from);
  // A zero-length pause changes no deadline; keeping it would only grow the state.
  if (to > open.from) pauses.push({ from: open.from, to });
  return pauses;
}

/** Resumes a paused clock; its deadline moves by the business time spent paused. */
export function resumeClock(clock: SlaClock, atMs: number): SlaClock {
  if (clock.state !== 'paused') return clock;
  return { ...clock, state: 'running', pauses: closePause(clock, atMs) };
}

/**
 * Records the response or resolution the clock waits for. A breached clock keeps its breach
 * (it counts in the metrics) and gains `metAt`; a met clock is returned unchanged.
 */
export function meetClock(clock: SlaClock, atMs: number): SlaClock {
  if (clock.state === 'met' || clock.metAt !== undefined) return clock;
  if (clock.state === 'breached') return { ...clock, metAt: Math.max(atMs, clock.breachedAt ?? atMs) };
  const pauses = clock.state === 'paused' ? closePause(clock, atMs) : clock.pauses;
  return { ...clock, state: 'met', pauses, metAt: Math.max(atMs, lastEventAt(clock)) };
}

/** Marks a running clock breached; a paused, met or breached clock is returned unchanged. */
export function markBreached(clock: SlaClock, atMs: number): SlaClock {
  if (clock.state !== 'running') return clock;
  return { ...clock, state: 'breached', breachedAt: atMs };
}

/** Records that a running clock's warning went out; only the first one counts. */
export function markWarned(clock: SlaClock, atMs: number): SlaClock {
  if (clock.state !== 'running' || clock.warnedAt !== undefined) return clock;
  return { ...clock, warnedAt: atMs };
}

/** The instant `businessMs` of unpaused business time have elapsed on the clock (pauses closed). */
function instantAfter(clock: SlaClock, cal: BusinessCalendar, businessMs: number): number {
  let remaining = businessMs;
  let from = clock.startedAt;
  for (const p of clock.pauses) {
    if (p.from > from) {
      const used = businessTimeBetween(cal, from, p.from);
      if (used >= remaining) return addBusinessTime(cal, from, remaining);
      remaining -= used;
    }
    if (p.to === undefined) break;
    from = Math.max(from, p.to);
  }
  return addBusinessTime(cal, from, remaining);
}

/** The deadline a met or breached clock was held to; its pauses are all closed. */
function plannedDeadline(clock: SlaClock, calendars: readonly BusinessCalendar[]): number {
  return instantAfter(clock, calendarFor(clock, calendars), clock.targetMinutes * MINUTE);
}

/**
 * When a running clock breaches: its target counted in its calendar from `startedAt`, leaving
 * out the business time it spent paused. Null unless running (a paused clock has no deadline).
 */
export function deadlineOf(clock: SlaClock, calendars: readonly BusinessCalendar[]): number | null {
  if (clock.state !== 'running') return null;
  return plannedDeadline(clock, calendars);
}

/** When a running clock's warning falls due (warned or not); null if it has no warning. */
export function warnAtOf(clock: SlaClock, calendars: readonly BusinessCalendar[]): number | null {
  if (clock.state !== 'running') return null;
  if (clock.warnBeforeMinutes <= 0 || clock.warnBeforeMinutes >= clock.targetMinutes) return null;
  return instantAfter(clock, calendarFor(clock, calendars), (clock.targetMinutes - clock.warnBeforeMinutes) * MINUTE);
}

/** Business time the clock has run (not paused) up to `nowMs`, or up to `metAt` once met. */
export function elapsedBusinessMs(clock: SlaClock, calendars: readonly BusinessCalendar[], nowMs: number): number {
  const cal = calendarFor(clock, calendars);
  const end = clock.metAt ?? nowMs;
  let total = 0;
  let from = clock.startedAt;
  for (const p of clock.pauses) {
    total += businessTimeBetween(cal, from, Math.min(p.from, end));
    if (p.to === undefined) return total;
    from = Math.max(from, p.to);
  }
  return total + businessTimeBetween(cal, from, end);
}

/** Business time left against the target; negative once overdue. */
export function remainingMs(clock: SlaClock, calendars: readonly BusinessCalendar[], nowMs: number): number {
  return clock.targetMinutes * MINUTE - elapsedBusinessMs(clock, calendars, nowMs);
}

/** The earliest running deadline, for the `CaseNextDeadline` search attribute; null if none runs. */
export function nextDeadline(clocks: readonly SlaClock[], calendars: readonly BusinessCalendar[]): number | null {
  let best: number | null = null;
  for (const c of clocks) {
    const d = deadlineOf(c, calendars);
    if (d !== null && (best === null || d < best)) best = d;
  }
  return best;
}

/**
 * The earliest warning or breach among running clocks; a clock's warning counts until it has
 * been sent, and is skipped once the breach itself is due at `nowMs` (a warning after the
 * deadline says nothing). `atMs` may lie in the past: the event is due now. On a tie the
 * breach comes first, then the earlier clock in the list.
 */
export function nextDueEvent(
  clocks: readonly SlaClock[],
  calendars: readonly BusinessCalendar[],
  nowMs: number,
): DueClockEvent | null {
  let best: DueClockEvent | null = null;
  const consider = (e: DueClockEvent): void => {
    if (best === null || e.atMs < best.atMs || (e.atMs === best.atMs && e.kind === 'breach' && best.kind === 'warn'))
      best = e;
  };
  for (const c of clocks) {
    const deadline = deadlineOf(c, calendars);
    if (deadline === null) continue;
    if (c.warnedAt === undefined && deadline > nowMs) {
      const warnAt = warnAtOf(c, calendars);
      if (warnAt !== null && warnAt < deadline) consider({ clockId: c.id, kind: 'warn', atMs: warnAt });
    }
    consider({ clockId: c.id, kind: 'breach', atMs: deadline });
  }
  return best;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The clock as the case view shows it at `nowMs`. */
export function clockView(clock: SlaClock, calendars: readonly BusinessCalendar[], nowMs: number): ClockView {
  const deadline = clock.state === 'paused' ? null : plannedDeadline(clock, calendars);
  const warnAt = warnAtOf(clock, calendars);
  const elapsed = elapsedBusinessMs(clock, calendars, nowMs);
  const view: ClockView = {
    id: clock.id,
    kind: clock.kind,
    label: clock.label,
    state: clock.state,
    customerFacing: clock.customerFacing,
    calendarId: clock.calendarId,
    targetMinutes: clock.targetMinutes,
    startedAt: iso(clock.startedAt),
    deadline: deadline === null ? null : iso(deadline),
    warnAt: warnAt === null ? null : iso(warnAt),
    remainingMs: clock.targetMinutes * MINUTE - elapsed,
    elapsedBusinessMs: elapsed,
    pauses: clock.pauses.map((p) =>
      p.to === undefined ? { from: iso(p.from) } : { from: iso(p.from), to: iso(p.to) },
    ),
  };
  if (clock.metAt !== undefined) view.metAt = iso(clock.metAt);
  if (clock.breachedAt !== undefined) view.breachedAt = iso(clock.breachedAt);
  if (clock.warnedAt !== undefined) view.warnedAt = iso(clock.warnedAt);
  return view;
}

function def(
  id: ClockKind,
  label: string,
  calendarId: string,
  targetMinutes: number,
  customerFacing: boolean,
): SlaClockDef {
  return {
    id,
    kind: id,
    label,
    calendarId,
    targetMinutes,
    warnBeforeMinutes: warnBeforeMinutesFor(targetMinutes),
    customerFacing,
  };
}

/**
 * The clocks the policy sets for a case: first response by channel (none when its target is 0,
 * i.e. immediate self-service), next reply where the channel has one, resolution, and, with a
 * severity, the engineering response. Which to start when is the workflow's call: first
 * response and resolution at open, next reply at each customer message, engineering response
 * at escalation. Resolution counts in the channel's calendar, since the policy gives it none
 * of its own.
 */
export function clockDefsFor(policy: SupportPolicy, opts: { channel: Channel; severity?: Severity }): SlaClockDef[] {
  const channel = policy.channels.find((c) => c.id === opts.channel);
  if (!channel) throw new Error(`policy ${policy.version} has no channel ${JSON.stringify(opts.channel)}`);
  const defs: SlaClockDef[] = [];
  if (channel.firstResponseMinutes > 0) {
    defs.push(
      def('first_response', `First response (${channel.name})`, channel.calendarId, channel.firstResponseMinutes, true),
    );
  }
  if (channel.nextReplyMinutes !== undefined && channel.nextReplyMinutes > 0) {
    defs.push(def('next_reply', `Next reply (${channel.name})`, channel.calendarId, channel.nextReplyMinutes, true));
  }
  if (policy.resolutionTargetMinutes > 0) {
    defs.push(def('resolution', 'Resolution', channel.calendarId, policy.resolutionTargetMinutes, true));
  }
  if (opts.severity !== undefined) {
    const sev = policy.severities.find((s) => s.id === opts.severity);
    if (!sev) throw new Error(`policy ${policy.version} has no severity ${JSON.stringify(opts.severity)}`);
    defs.push(
      def(
        'engineering_response',
        `Engineering response (${sev.id}: ${sev.description})`,
        sev.calendarId,
        sev.responseMinutes,
        false,
      ),
    );
  }
  return defs;
}

/** A severity the text suggests, with the policy phrases that matched. */
export interface SeveritySuggestion {
  severity: Severity;
  matched: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { P0: 0, P1: 1, P2: 2, P3: 3 };
// Glue words of the seed's phrases ("Payments failing for multiple users") that a customer's
// wording rarely repeats; dropping them keeps the match on the words that carry meaning.
const STOP_WORDS = new Set(['a', 'an', 'the', 'for', 'of', 'to', 'in', 'on', 'is', 'are', 'and']);
// A light stem so "payment"/"payments" and "bug"/"bugs" meet; not a stemmer, on purpose.
const stem = (w: string): string => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/** The phrases of which every meaningful word occurs in the text (case-insensitive, any order). */
export function matchingPhrases(text: string, phrases: readonly string[]): string[] {
  const words = new Set(tokenize(text).map(stem));
  return phrases.filter((phrase) => {
    const needed = tokenize(phrase)
      .filter((w) => !STOP_WORDS.has(w))
      .map(stem);
    return needed.length > 0 && needed.every((w) => words.has(w));
  });
}

/**
 * Suggests a severity from the seed's "When to Escalate" phrases: a phrase matches when all its
 * meaningful words occur in the text (case-insensitive, any order). The most severe matching
 * level wins. Null when nothing matches: the agent chooses.
 */
export function suggestSeverity(policy: SupportPolicy, text: string): SeveritySuggestion | null {
  const ranked = [...policy.severities].sort((a, b) => SEVERITY_RANK[a.id] - SEVERITY_RANK[b.id]);
  for (const sev of ranked) {
    const matched = matchingPhrases(text, sev.whenToEscalate);
    if (matched.length > 0) return { severity: sev.id, matched };
  }
  return null;
}
