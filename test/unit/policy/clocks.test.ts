import assert from 'node:assert/strict';
import type { BusinessCalendar } from '../../../src/policy/calendar';
import {
  clockDefsFor,
  clockView,
  deadlineOf,
  elapsedBusinessMs,
  markBreached,
  markWarned,
  meetClock,
  nextDeadline,
  nextDueEvent,
  pauseClock,
  remainingMs,
  resumeClock,
  startClock,
  suggestSeverity,
  unknownCalendarIds,
  warnAtOf,
  warnBeforeMinutesFor,
  type SlaClock,
  type SlaClockDef,
} from '../../../src/policy/clocks';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const utc = (iso: string): number => Date.parse(iso);
const calendars = DEFAULT_POLICY.calendars;

function defOf(
  channel: 'email' | 'chat' | 'in_app',
  kind: SlaClockDef['kind'],
  severity?: 'P0' | 'P1' | 'P2' | 'P3',
): SlaClockDef {
  const found = clockDefsFor(DEFAULT_POLICY, { channel, ...(severity ? { severity } : {}) }).find(
    (d) => d.kind === kind,
  );
  assert.ok(found, `no ${kind} clock for ${channel}`);
  return found;
}

// Fri 2026-01-09 17:58 New York (EST, UTC-5): two minutes before chat closes for the weekend.
const FRIDAY_1758 = utc('2026-01-09T22:58:00Z');
const MONDAY_0903 = utc('2026-01-12T14:03:00Z');

describe('policy/clocks', () => {
  describe('clockDefsFor', () => {
    it('gives a chat case first response and next reply in 5 business minutes, and resolution', () => {
      const defs = clockDefsFor(DEFAULT_POLICY, { channel: 'chat' });
      assert.deepEqual(
        defs.map((d) => [d.kind, d.targetMinutes, d.calendarId, d.customerFacing]),
        [
          ['first_response', 5, 'business-hours', true],
          ['next_reply', 5, 'business-hours', true],
          ['resolution', 24 * 60, 'business-hours', true],
        ],
      );
    });

    it('gives an e-mail case a 24-hour first response around the clock', () => {
      const first = defOf('email', 'first_response');
      assert.equal(first.targetMinutes, 24 * 60);
      assert.equal(first.calendarId, '24x7');
      assert.equal(
        clockDefsFor(DEFAULT_POLICY, { channel: 'email' }).some((d) => d.kind === 'next_reply'),
        false,
      );
    });

    it('starts no first-response clock for in-app help, whose target is immediate', () => {
      assert.deepEqual(
        clockDefsFor(DEFAULT_POLICY, { channel: 'in_app' }).map((d) => d.kind),
        ['resolution'],
      );
    });

    it('adds the engineering response of the severity, not customer-facing', () => {
      const eng = defOf('email', 'engineering_response', 'P0');
      assert.equal(eng.targetMinutes, 15);
      assert.equal(eng.calendarId, '24x7');
      assert.equal(eng.customerFacing, false);
      assert.equal(eng.warnBeforeMinutes, 3);
      assert.equal(defOf('chat', 'engineering_response', 'P2').calendarId, 'business-hours');
      assert.equal(defOf('chat', 'engineering_response', 'P1').targetMinutes, 60);
    });

    it('warns 20% of the target ahead, rounded up, at least a minute, none for a 1-minute target', () => {
      assert.deepEqual([1, 2, 5, 15, 60, 240, 1440].map(warnBeforeMinutesFor), [0, 1, 1, 3, 12, 48, 288]);
    });

    it('refuses a channel the policy does not have', () => {
      assert.throws(() => clockDefsFor(DEFAULT_POLICY, { channel: 'fax' as 'email' }), /no channel "fax"/);
    });
  });

  describe('deadlines in business time', () => {
    it('breaches a Friday 17:58 chat first response at Monday 09:03, not Friday 18:03', () => {
      const clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      assert.equal(deadlineOf(clock, calendars), MONDAY_0903);
      assert.notEqual(deadlineOf(clock, calendars), FRIDAY_1758 + 5 * MIN);
      assert.deepEqual(nextDueEvent([clock], calendars, FRIDAY_1758), {
        clockId: 'first_response',
        kind: 'warn',
        atMs: MONDAY_0903 - MIN,
      });
      // Saturday: two business minutes gone, three left, however long the weekend lasts.
      assert.equal(remainingMs(clock, calendars, utc('2026-01-10T17:00:00Z')), 3 * MIN);
      assert.equal(elapsedBusinessMs(clock, calendars, utc('2026-01-10T17:00:00Z')), 2 * MIN);
    });

    it('keeps the wall-clock opening across the spring-forward weekend', () => {
      // Fri 2026-03-06 17:58 EST -> Mon 2026-03-09 09:03 EDT (UTC-4).
      const clock = startClock(defOf('chat', 'first_response'), utc('2026-03-06T22:58:00Z'));
      assert.equal(deadlineOf(clock, calendars), utc('2026-03-09T13:03:00Z'));
    });

    it('moves a running deadline to Tuesday when the Monday becomes a holiday', () => {
      const clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      const changed: BusinessCalendar[] = calendars.map((c) =>
        c.id === 'business-hours' ? { ...c, holidays: [...c.holidays, '2026-01-12'] } : c,
      );
      assert.equal(deadlineOf(clock, calendars), MONDAY_0903);
      assert.equal(deadlineOf(clock, changed), utc('2026-01-13T14:03:00Z'));
      assert.equal(nextDeadline([clock], changed), utc('2026-01-13T14:03:00Z'));
    });

    it('moves a paused-then-resumed deadline as well when the calendar changes, keeping the pause', () => {
      let clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      clock = pauseClock(clock, FRIDAY_1758 + MIN);
      clock = resumeClock(clock, utc('2026-01-12T14:30:00Z')); // Mon 09:30, 4 minutes left
      assert.equal(deadlineOf(clock, calendars), utc('2026-01-12T14:34:00Z'));
      const later: BusinessCalendar[] = calendars.map((c) =>
        c.id === 'business-hours' ? { ...c, hours: c.hours.map((h) => ({ ...h, open: '10:00' })) } : c,
      );
      assert.equal(deadlineOf(clock, later), utc('2026-01-12T15:04:00Z'));
      assert.equal(clock.pauses.length, 1);
    });
  });

  describe('pauses', () => {
    it('moves an e-mail deadline by the three days the case waited on the customer', () => {
      const start = utc('2026-01-12T10:00:00Z');
      let clock = startClock(defOf('email', 'first_response'), start);
      assert.equal(deadlineOf(clock, calendars), start + DAY);
      clock = pauseClock(clock, start + 2 * HOUR);
      assert.equal(clock.state, 'paused');
      assert.equal(deadlineOf(clock, calendars), null);
      assert.equal(nextDueEvent([clock], calendars, start + 3 * DAY), null);
      // Three days later the clock still has its 22 hours: no breach while waiting.
      assert.equal(remainingMs(clock, calendars, start + 2 * HOUR + 3 * DAY), 22 * HOUR);
      clock = resumeClock(clock, start + 2 * HOUR + 3 * DAY);
      assert.equal(clock.state, 'running');
      assert.equal(deadlineOf(clock, calendars), start + DAY + 3 * DAY);
      assert.deepEqual(clockView(clock, calendars, start + 3 * DAY + 3 * HOUR).pauses, [
        { from: '2026-01-12T12:00:00.000Z', to: '2026-01-15T12:00:00.000Z' },
      ]);
    });

    it('costs nothing to pause a business-hours clock while chat is closed', () => {
      let clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      clock = pauseClock(clock, FRIDAY_1758 + MIN);
      clock = resumeClock(clock, utc('2026-01-10T17:00:00Z')); // Saturday noon
      assert.equal(deadlineOf(clock, calendars), MONDAY_0903 + MIN);
    });

    it('keeps every pause interval, and ignores a second pause or a stray resume', () => {
      const start = utc('2026-01-12T10:00:00Z');
      let clock = startClock(defOf('email', 'resolution'), start);
      assert.equal(resumeClock(clock, start + HOUR), clock);
      clock = pauseClock(clock, start + HOUR);
      assert.equal(pauseClock(clock, start + 2 * HOUR), clock);
      clock = resumeClock(pauseClock(resumeClock(clock, start + 3 * HOUR), start + 4 * HOUR), start + 6 * HOUR);
      assert.deepEqual(clock.pauses, [
        { from: start + HOUR, to: start + 3 * HOUR },
        { from: start + 4 * HOUR, to: start + 6 * HOUR },
      ]);
      assert.equal(deadlineOf(clock, calendars), start + DAY + 4 * HOUR);
      assert.equal(elapsedBusinessMs(clock, calendars, start + 7 * HOUR), 3 * HOUR);
    });

    it('drops a zero-length pause and never lets time run backwards', () => {
      const start = utc('2026-01-12T10:00:00Z');
      const clock = startClock(defOf('email', 'first_response'), start);
      assert.deepEqual(resumeClock(pauseClock(clock, start + HOUR), start + HOUR).pauses, []);
      assert.deepEqual(resumeClock(pauseClock(clock, start + HOUR), start).pauses, []);
    });

    it('survives a JSON round trip, as workflow state and continue-as-new input do', () => {
      const start = utc('2026-01-12T10:00:00Z');
      const clock = resumeClock(
        pauseClock(startClock(defOf('email', 'first_response'), start), start + HOUR),
        start + 5 * HOUR,
      );
      const copy = JSON.parse(JSON.stringify(clock)) as SlaClock;
      assert.deepEqual(copy, clock);
      assert.equal(deadlineOf(copy, calendars), start + DAY + 4 * HOUR);
    });
  });

  describe('warnings, breaches and responses', () => {
    it('falls due with a warning before the breach, and warns only once', () => {
      const start = utc('2026-01-12T10:00:00Z');
      let clock = startClock(defOf('email', 'first_response'), start);
      const warnAt = start + (24 * 60 - 288) * MIN;
      assert.equal(warnAtOf(clock, calendars), warnAt);
      assert.deepEqual(nextDueEvent([clock], calendars, start), {
        clockId: 'first_response',
        kind: 'warn',
        atMs: warnAt,
      });
      clock = markWarned(clock, warnAt);
      assert.equal(markWarned(clock, warnAt + MIN).warnedAt, warnAt);
      assert.deepEqual(nextDueEvent([clock], calendars, warnAt), {
        clockId: 'first_response',
        kind: 'breach',
        atMs: start + DAY,
      });
      clock = markBreached(clock, start + DAY);
      assert.equal(clock.state, 'breached');
      assert.equal(deadlineOf(clock, calendars), null);
      assert.equal(nextDueEvent([clock], calendars, start + DAY), null);
    });

    it('skips a warning whose breach is already due', () => {
      const start = utc('2026-01-12T10:00:00Z');
      const clock = startClock(defOf('email', 'first_response'), start);
      assert.deepEqual(nextDueEvent([clock], calendars, start + DAY), {
        clockId: 'first_response',
        kind: 'breach',
        atMs: start + DAY,
      });
    });

    it('records a response before the deadline as met, with the margin frozen', () => {
      const clock = meetClock(startClock(defOf('chat', 'first_response'), FRIDAY_1758), FRIDAY_1758 + MIN);
      assert.equal(clock.state, 'met');
      assert.equal(clock.metAt, FRIDAY_1758 + MIN);
      assert.equal(remainingMs(clock, calendars, utc('2026-01-20T12:00:00Z')), 4 * MIN);
      assert.equal(nextDueEvent([clock], calendars, FRIDAY_1758), null);
      assert.equal(pauseClock(clock, FRIDAY_1758 + 2 * MIN), clock);
      assert.equal(clockView(clock, calendars, FRIDAY_1758 + 2 * MIN).deadline, '2026-01-12T14:03:00.000Z');
    });

    it('keeps a breach on record when the response comes late', () => {
      let clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      clock = markBreached(clock, MONDAY_0903);
      clock = meetClock(clock, MONDAY_0903 + 7 * MIN);
      assert.equal(clock.state, 'breached');
      assert.equal(clock.metAt, MONDAY_0903 + 7 * MIN);
      assert.equal(remainingMs(clock, calendars, MONDAY_0903 + HOUR), -7 * MIN);
    });

    it('closes an open pause when a paused clock is met', () => {
      const start = utc('2026-01-12T10:00:00Z');
      const clock = meetClock(
        pauseClock(startClock(defOf('email', 'resolution'), start), start + HOUR),
        start + 5 * HOUR,
      );
      assert.deepEqual(clock.pauses, [{ from: start + HOUR, to: start + 5 * HOUR }]);
      assert.equal(elapsedBusinessMs(clock, calendars, start + 9 * HOUR), HOUR);
    });

    it('does not breach a paused clock', () => {
      const paused = pauseClock(startClock(defOf('email', 'first_response'), 0), HOUR);
      assert.equal(markBreached(paused, DAY), paused);
      assert.equal(markWarned(paused, DAY), paused);
    });
  });

  describe('nextDueEvent', () => {
    const monday0900 = utc('2026-01-12T14:00:00Z');

    it('picks the earliest warning or breach among running clocks', () => {
      const chat = startClock(defOf('chat', 'first_response'), monday0900);
      const resolution = startClock(defOf('chat', 'resolution'), monday0900);
      const engineering = startClock(
        { ...defOf('chat', 'engineering_response', 'P0'), id: 'engineering_response:esc-1' },
        monday0900 + MIN,
      );
      const clocks = [resolution, engineering, chat];
      assert.deepEqual(nextDueEvent(clocks, calendars, monday0900), {
        clockId: 'first_response',
        kind: 'warn',
        atMs: monday0900 + 4 * MIN,
      });
      const afterWarn = [resolution, engineering, markWarned(chat, monday0900 + 4 * MIN)];
      assert.deepEqual(nextDueEvent(afterWarn, calendars, monday0900 + 4 * MIN), {
        clockId: 'first_response',
        kind: 'breach',
        atMs: monday0900 + 5 * MIN,
      });
      const afterReply = [resolution, engineering, meetClock(chat, monday0900 + 4 * MIN)];
      assert.deepEqual(nextDueEvent(afterReply, calendars, monday0900 + 4 * MIN), {
        clockId: 'engineering_response:esc-1',
        kind: 'warn',
        atMs: monday0900 + 13 * MIN,
      });
      assert.equal(nextDeadline(afterReply, calendars), monday0900 + 16 * MIN);
    });

    it('ignores paused, met and breached clocks', () => {
      const clocks = [
        pauseClock(startClock(defOf('email', 'first_response'), monday0900), monday0900 + MIN),
        meetClock(startClock(defOf('email', 'resolution'), monday0900), monday0900 + MIN),
        markBreached(
          startClock({ ...defOf('email', 'engineering_response', 'P0'), id: 'eng' }, monday0900),
          monday0900 + 15 * MIN,
        ),
      ];
      assert.equal(nextDueEvent(clocks, calendars, monday0900 + 2 * MIN), null);
      assert.equal(nextDeadline(clocks, calendars), null);
    });

    it('puts a breach before a warning due at the same instant', () => {
      const a = startClock(
        {
          id: 'a',
          kind: 'next_reply',
          label: 'A',
          calendarId: '24x7',
          targetMinutes: 10,
          warnBeforeMinutes: 5,
          customerFacing: true,
        },
        monday0900,
      );
      const b = startClock(
        {
          id: 'b',
          kind: 'next_reply',
          label: 'B',
          calendarId: '24x7',
          targetMinutes: 5,
          warnBeforeMinutes: 1,
          customerFacing: true,
        },
        monday0900,
      );
      assert.deepEqual(nextDueEvent([a, markWarned(b, monday0900 + 4 * MIN)], calendars, monday0900 + 4 * MIN), {
        clockId: 'b',
        kind: 'breach',
        atMs: monday0900 + 5 * MIN,
      });
    });
  });

  describe('clockView', () => {
    it('shows deadline, warning, remaining time and state in ISO form', () => {
      const clock = startClock(defOf('chat', 'first_response'), FRIDAY_1758);
      assert.deepEqual(clockView(clock, calendars, utc('2026-01-10T17:00:00Z')), {
        id: 'first_response',
        kind: 'first_response',
        label: 'First response (Live Chat)',
        state: 'running',
        customerFacing: true,
        calendarId: 'business-hours',
        targetMinutes: 5,
        startedAt: '2026-01-09T22:58:00.000Z',
        deadline: '2026-01-12T14:03:00.000Z',
        warnAt: '2026-01-12T14:02:00.000Z',
        remainingMs: 3 * MIN,
        elapsedBusinessMs: 2 * MIN,
        pauses: [],
      });
    });

    it('shows a paused clock with no deadline and its open pause', () => {
      const view = clockView(pauseClock(startClock(defOf('email', 'first_response'), 0), HOUR), calendars, 5 * HOUR);
      assert.equal(view.state, 'paused');
      assert.equal(view.deadline, null);
      assert.equal(view.remainingMs, 23 * HOUR);
      assert.deepEqual(view.pauses, [{ from: '1970-01-01T01:00:00.000Z' }]);
    });
  });

  describe('calendars', () => {
    it('names calendars a changed policy dropped', () => {
      const clocks = [startClock(defOf('chat', 'first_response'), 0), startClock(defOf('email', 'first_response'), 0)];
      assert.deepEqual(
        unknownCalendarIds(
          clocks,
          calendars.filter((c) => c.id !== 'business-hours'),
        ),
        ['business-hours'],
      );
      assert.throws(() => deadlineOf(clocks[0]!, []), /calendar "business-hours", which the policy does not define/);
    });
  });

  describe('suggestSeverity', () => {
    it('suggests P0 for a complete service outage', () => {
      assert.deepEqual(suggestSeverity(DEFAULT_POLICY, 'Complete service outage'), {
        severity: 'P0',
        matched: ['Complete service outage'],
      });
    });

    it('suggests P1 for a broken login system', () => {
      assert.deepEqual(suggestSeverity(DEFAULT_POLICY, 'Login system broken'), {
        severity: 'P1',
        matched: ['Login system broken'],
      });
      assert.equal(
        suggestSeverity(DEFAULT_POLICY, 'Since this morning the LOGIN system is broken for everyone.')?.severity,
        'P1',
      );
    });

    it('matches plurals and skips glue words', () => {
      assert.deepEqual(suggestSeverity(DEFAULT_POLICY, 'payment failing for several schools, multiple user reports'), {
        severity: 'P1',
        matched: ['Payments failing for multiple users'],
      });
    });

    it('picks the most severe level when several match', () => {
      const s = suggestSeverity(
        DEFAULT_POLICY,
        'Performance degradation, and now a security vulnerability was reported',
      );
      assert.deepEqual(s, { severity: 'P0', matched: ['Security vulnerability'] });
    });

    it('suggests nothing when no phrase matches', () => {
      assert.equal(suggestSeverity(DEFAULT_POLICY, 'How do I change my profile picture?'), null);
      assert.equal(suggestSeverity(DEFAULT_POLICY, 'the service'), null);
    });
  });
});
