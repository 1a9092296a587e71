// Business-hours calendar arithmetic for SLA clocks.
// Runs inside the Temporal workflow sandbox, so it must stay import-free and
// deterministic: the only clock it reads is the one passed in as an argument.

/** One open interval on a weekday, in the calendar's local wall-clock time. */
export interface WeeklyHours {
  /** 0 = Sunday … 6 = Saturday. */
  day: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  /** 'HH:MM' local, 00:00–23:59. */
  open: string;
  /** 'HH:MM' local, 00:01–24:00; must be after `open`. */
  close: string;
}

/** A weekly schedule in one IANA time zone, with full-day holiday closures. */
export interface BusinessCalendar {
  id: string;
  name: string;
  /** IANA zone, e.g. 'America/New_York'. */
  timeZone: string;
  /** 24x7: hours and holidays are ignored. */
  alwaysOpen?: boolean;
  hours: WeeklyHours[];
  /** 'YYYY-MM-DD' local dates, closed all day. */
  holidays: string[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Upper bound on how many local days any search walks (~10 years). */
export const MAX_SEARCH_DAYS = 3700;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Intl.DateTimeFormat construction is expensive relative to formatting.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Pin calendar and numbering system so parsing never depends on the host locale.
    f = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// Proleptic Gregorian day count since 1970-01-01 (H. Hinnant's algorithm);
// avoids Date.UTC's remapping of years 0–99.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Local wall clock minus UTC, in ms, at instant `ms` (resolved to the second). */
function offsetAt(timeZone: string, ms: number): number {
  const s = Math.floor(ms / 1000) * 1000;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let sec = 0;
  for (const p of formatterFor(timeZone).formatToParts(new Date(s))) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      // Some ICU builds render midnight as 24 even with h23.
      case 'hour':
        h = Number(p.value) % 24;
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        sec = Number(p.value);
        break;
      default:
        break;
    }
  }
  const wall = daysFromCivil(y, mo, d) * DAY + ((h * 60 + mi) * 60 + sec) * 1000;
  return wall - s;
}

/** Local day number (days since 1970-01-01 in local wall-clock terms) of an instant. */
function localDayOf(timeZone: string, ms: number): number {
  return Math.floor((ms + offsetAt(timeZone, ms)) / DAY);
}

/**
 * Converts a local wall-clock time (encoded as if it were UTC ms) to an instant.
 * Ambiguous times (fall-back) resolve to the first occurrence; non-existent
 * times (spring-forward gap) resolve to the transition instant, i.e. the first
 * valid wall-clock time after the gap.
 */
function wallToUtc(timeZone: string, wall: number): number {
  // UTC offsets stay within ±1 day, so these probe the offsets in force before
  // and after any transition near the target instant.
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const candidates = before === after ? [wall - before] : [wall - before, wall - after].sort((a, b) => a - b);
  for (const c of candidates) {
    if (c + offsetAt(timeZone, c) === wall) return c;
  }
  if (after > before) {
    // Gap: wall - after still reads as the old offset, wall - before as the new one.
    let lo = Math.floor((wall - after) / 1000);
    let hi = Math.ceil((wall - before) / 1000);
    const loOffset = offsetAt(timeZone, lo * 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(timeZone, mid * 1000) === loOffset) lo = mid;
      else hi = mid;
    }
    return hi * 1000;
  }
  return candidates[0];
}

interface Compiled {
  cal: BusinessCalendar;
  timeZone: string;
  /** Per weekday: sorted, merged [openMinute, closeMinute) pairs. */
  week: Array<Array<[number, number]>>;
  holidays: Set<number>;
  hasHours: boolean;
}

function parseHHMM(s: unknown, allow24: boolean): number | undefined {
  if (typeof s !== 'string') return undefined;
  if (allow24 && s === '24:00') return 1440;
  const m = HHMM.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

function parseDate(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  const daysInMonth = daysFromCivil(mo === 12 ? y + 1 : y, mo === 12 ? 1 : mo + 1, 1) - daysFromCivil(y, mo, 1);
  return d <= daysInMonth ? daysFromCivil(y, mo, d) : undefined;
}

function quote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Lists human-readable problems with a calendar definition; empty when it is usable. */
export function validateCalendar(cal: BusinessCalendar): string[] {
  const problems = structuralProblems(cal);
  if (problems.length === 0 && cal.hours.length === 0 && cal.alwaysOpen !== true) {
    problems.push('calendar has no opening hours and is not alwaysOpen, so it never opens');
  }
  return problems;
}

function structuralProblems(cal: BusinessCalendar): string[] {
  const problems: string[] = [];
  if (typeof cal !== 'object' || cal === null) return ['calendar must be an object'];
  if (typeof cal.timeZone !== 'string' || cal.timeZone.trim() === '') {
    problems.push('timeZone is required');
  } else {
    try {
      formatterFor(cal.timeZone);
    } catch {
      problems.push(`timeZone ${quote(cal.timeZone)} is not a valid IANA time zone`);
    }
  }
  if (!Array.isArray(cal.hours)) {
    problems.push('hours must be an array');
  } else {
    cal.hours.forEach((h, i) => {
      const where = `hours[${i}]`;
      if (typeof h !== 'object' || h === null) {
        problems.push(`${where} must be an object`);
        return;
      }
      if (!Number.isInteger(h.day) || h.day < 0 || h.day > 6) {
        problems.push(`${where}.day ${quote(h.day)} must be an integer 0 (Sunday) to 6 (Saturday)`);
      }
      const open = parseHHMM(h.open, false);
      const close = parseHHMM(h.close, true);
      if (open === undefined)
        problems.push(`${where}.open ${quote(h.open)} is not a time HH:MM between 00:00 and 23:59`);
      if (close === undefined)
        problems.push(`${where}.close ${quote(h.close)} is not a time HH:MM between 00:00 and 24:00`);
      if (open !== undefined && close !== undefined && close <= open) {
        problems.push(`${where}: close ${h.close} must be after open ${h.open}`);
      }
    });
  }
  if (!Array.isArray(cal.holidays)) {
    problems.push('holidays must be an array');
  } else {
    cal.holidays.forEach((d, i) => {
      if (parseDate(d) === undefined) problems.push(`holidays[${i}] ${quote(d)} is not a valid date YYYY-MM-DD`);
    });
  }
  return problems;
}

// Not cached per object: calendars are plain data that callers may mutate, and
// compiling a handful of entries is cheap next to the Intl calls that follow.
function compile(cal: BusinessCalendar): Compiled {
  // An empty schedule is a configuration problem but not a structural one:
  // isOpen/businessTimeBetween can still answer, nextOpening/addBusinessTime throw.
  const problems = structuralProblems(cal);
  if (problems.length > 0) {
    throw new Error(`invalid business calendar ${quote(cal?.id)}: ${problems.join('; ')}`);
  }
  const week: Array<Array<[number, number]>> = [[], [], [], [], [], [], []];
  for (const h of cal.hours) {
    week[h.day].push([parseHHMM(h.open, false) as number, parseHHMM(h.close, true) as number]);
  }
  for (let d = 0; d < 7; d++) {
    // Overlapping or touching intervals are merged so day intervals never overlap.
    const sorted = week[d].sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [o, c] of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && o <= last[1]) last[1] = Math.max(last[1], c);
      else merged.push([o, c]);
    }
    week[d] = merged;
  }
  const holidays = new Set<number>();
  for (const s of cal.holidays) holidays.add(parseDate(s) as number);
  return { cal, timeZone: cal.timeZone, week, holidays, hasHours: cal.hours.length > 0 };
}

/** Open [start, end) instants on one local day; empty on holidays. */
function dayIntervals(c: Compiled, day: number): Array<[number, number]> {
  if (c.holidays.has(day)) return [];
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const out: Array<[number, number]> = [];
  for (const [o, cl] of c.week[weekday]) {
    const start = wallToUtc(c.timeZone, day * DAY + o * MINUTE);
    const end = wallToUtc(c.timeZone, day * DAY + cl * MINUTE);
    // An interval lying wholly inside a spring-forward gap collapses to nothing.
    if (end > start) out.push([start, end]);
  }
  return out;
}

function checkInstant(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new RangeError(`${name} must be a finite number of ms, got ${quote(v)}`);
}

function neverOpens(c: Compiled, detail: string): Error {
  return new Error(`business calendar ${quote(c.cal.id)} never opens ${detail}`);
}

/** True when the calendar is open at `atMs`; intervals are half-open [open, close). */
export function isOpen(cal: BusinessCalendar, atMs: number): boolean {
  checkInstant('atMs', atMs);
  if (cal.alwaysOpen === true) return true;
  const c = compile(cal);
  const day = localDayOf(c.timeZone, atMs);
  // Neighbouring days are checked because fall-back can put an instant's local
  // date on one day while it lies inside another day's interval.
  for (let d = day - 1; d <= day + 1; d++) {
    for (const [s, e] of dayIntervals(c, d)) {
      if (s <= atMs && atMs < e) return true;
    }
  }
  return false;
}

/**
 * `atMs` itself if the calendar is open then, else the start of the next open
 * interval. Throws if nothing opens within MAX_SEARCH_DAYS local days.
 */
export function nextOpening(cal: BusinessCalendar, atMs: number): number {
  checkInstant('atMs', atMs);
  if (cal.alwaysOpen === true) return atMs;
  const c = compile(cal);
  if (!c.hasHours) throw neverOpens(c, '(it has no opening hours)');
  const first = localDayOf(c.timeZone, atMs) - 1;
  for (let d = first; d <= first + MAX_SEARCH_DAYS; d++) {
    for (const [s, e] of dayIntervals(c, d)) {
      if (e > atMs) return Math.max(s, atMs);
    }
  }
  throw neverOpens(c, `within ${MAX_SEARCH_DAYS} days of ${new Date(atMs).toISOString()}`);
}

/**
 * The instant at which `durationMs` of open time has elapsed counting from
 * `startMs`. A duration that runs out exactly at a closing time returns that
 * closing instant (not the next opening). `durationMs` 0 returns `startMs`
 * unchanged, even when closed. alwaysOpen calendars return startMs + durationMs.
 * Throws if the duration cannot be accumulated within MAX_SEARCH_DAYS local days.
 */
export function addBusinessTime(cal: BusinessCalendar, startMs: number, durationMs: number): number {
  checkInstant('startMs', startMs);
  checkInstant('durationMs', durationMs);
  if (durationMs < 0) throw new RangeError(`durationMs must not be negative, got ${durationMs}`);
  if (durationMs === 0 || cal.alwaysOpen === true) return startMs + durationMs;
  const c = compile(cal);
  if (!c.hasHours) throw neverOpens(c, '(it has no opening hours)');
  let remaining = durationMs;
  const first = localDayOf(c.timeZone, startMs) - 1;
  for (let d = first; d <= first + MAX_SEARCH_DAYS; d++) {
    for (const [s, e] of dayIntervals(c, d)) {
      if (e <= startMs) continue;
      const from = Math.max(s, startMs);
      const available = e - from;
      if (remaining <= available) return from + remaining;
      remaining -= available;
    }
  }
  throw new Error(
    `business calendar ${quote(c.cal.id)} does not accumulate ${durationMs} ms of open time within ${MAX_SEARCH_DAYS} days of ${new Date(startMs).toISOString()}`,
  );
}

/**
 * Open time elapsed in [fromMs, toMs); 0 when toMs <= fromMs. Throws a
 * RangeError when the span covers more than MAX_SEARCH_DAYS local days.
 */
export function businessTimeBetween(cal: BusinessCalendar, fromMs: number, toMs: number): number {
  checkInstant('fromMs', fromMs);
  checkInstant('toMs', toMs);
  if (toMs <= fromMs) return 0;
  if (cal.alwaysOpen === true) return toMs - fromMs;
  const c = compile(cal);
  const first = localDayOf(c.timeZone, fromMs) - 1;
  const last = localDayOf(c.timeZone, toMs) + 1;
  if (last - first > MAX_SEARCH_DAYS) {
    throw new RangeError(`businessTimeBetween spans more than ${MAX_SEARCH_DAYS} days`);
  }
  let total = 0;
  for (let d = first; d <= last; d++) {
    for (const [s, e] of dayIntervals(c, d)) {
      const overlap = Math.min(e, toMs) - Math.max(s, fromMs);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}
