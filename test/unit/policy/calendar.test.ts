import assert from 'node:assert/strict';
import {
  addBusinessTime,
  BusinessCalendar,
  businessTimeBetween,
  isOpen,
  nextOpening,
  validateCalendar,
  WeeklyHours,
} from '../../../src/policy/calendar';

const MIN = 60_000;
const HOUR = 60 * MIN;
const utc = (iso: string): number => Date.parse(iso);

function weekdays(open: string, close: string): WeeklyHours[] {
  return ([1, 2, 3, 4, 5] as const).map((day) => ({ day, open, close }));
}

function calendar(timeZone: string, hours: WeeklyHours[], extra: Partial<BusinessCalendar> = {}): BusinessCalendar {
  return { id: 'cal', name: 'Test calendar', timeZone, hours, holidays: [], ...extra };
}

// Mon–Fri 09:00–18:00 New York. EST = UTC-5 (until 2026-03-08), EDT = UTC-4.
const newYork = calendar('America/New_York', weekdays('09:00', '18:00'));
const weekendAllDayNewYork = calendar('America/New_York', [
  { day: 6, open: '00:00', close: '24:00' },
  { day: 0, open: '00:00', close: '24:00' },
]);

describe('policy/calendar', () => {
  describe('addBusinessTime', () => {
    it('carries minutes past Friday close over to Monday morning', () => {
      // Fri 2026-01-09 17:58 EST + 5 business minutes -> Mon 2026-01-12 09:03 EST.
      const start = utc('2026-01-09T22:58:00Z');
      assert.equal(addBusinessTime(newYork, start, 5 * MIN), utc('2026-01-12T14:03:00Z'));
      assert.notEqual(addBusinessTime(newYork, start, 5 * MIN), utc('2026-01-09T23:03:00Z'));
    });

    it('skips a Monday holiday and lands on Tuesday', () => {
      const cal = { ...newYork, holidays: ['2026-01-12'] };
      assert.equal(addBusinessTime(cal, utc('2026-01-09T22:58:00Z'), 5 * MIN), utc('2026-01-13T14:03:00Z'));
    });

    it('starts counting at the next opening when started while closed', () => {
      // Sat 2026-01-10 noon EST + 30 min -> Mon 09:30 EST.
      assert.equal(addBusinessTime(newYork, utc('2026-01-10T17:00:00Z'), 30 * MIN), utc('2026-01-12T14:30:00Z'));
    });

    it('returns the closing instant when the duration runs out exactly at close', () => {
      assert.equal(addBusinessTime(newYork, utc('2026-01-09T22:55:00Z'), 5 * MIN), utc('2026-01-09T23:00:00Z'));
    });

    it('returns startMs unchanged for a zero duration, even while closed', () => {
      const saturday = utc('2026-01-10T17:00:00Z');
      assert.equal(addBusinessTime(newYork, saturday, 0), saturday);
    });

    it('skips the lunch gap on a day with several intervals', () => {
      const split = calendar('America/New_York', [...weekdays('09:00', '12:00'), ...weekdays('13:00', '18:00')]);
      // Mon 2026-01-12 11:30 EST + 1h -> 13:30 EST.
      assert.equal(addBusinessTime(split, utc('2026-01-12T16:30:00Z'), HOUR), utc('2026-01-12T18:30:00Z'));
    });

    it('spans many business days', () => {
      // 10 business days of 9h from Mon 2026-01-12 09:00 EST -> close of Fri 2026-01-23.
      assert.equal(addBusinessTime(newYork, utc('2026-01-12T14:00:00Z'), 90 * HOUR), utc('2026-01-23T23:00:00Z'));
    });

    it('rejects a negative duration', () => {
      assert.throws(() => addBusinessTime(newYork, utc('2026-01-12T14:00:00Z'), -1), RangeError);
    });

    it('throws a clear error when the calendar never opens', () => {
      const closed = calendar('America/New_York', []);
      assert.throws(() => addBusinessTime(closed, utc('2026-01-12T14:00:00Z'), MIN), /never opens/);
    });

    it('is the inverse of businessTimeBetween, including across DST changes', () => {
      const starts = ['2026-01-09T22:58:00Z', '2026-03-06T21:00:00Z', '2026-10-30T20:17:00Z', '2026-03-07T03:00:00Z'];
      const durations = [1, 59 * MIN, 9 * HOUR, 9 * HOUR + 1, 47 * HOUR + 13 * MIN];
      for (const cal of [newYork, weekendAllDayNewYork]) {
        for (const s of starts) {
          for (const d of durations) {
            const end = addBusinessTime(cal, utc(s), d);
            assert.equal(businessTimeBetween(cal, utc(s), end), d, `${s} + ${d}`);
          }
        }
      }
    });
  });

  describe('businessTimeBetween', () => {
    it('counts only open time across a weekend (Fri 17:00 to Mon 10:00 = 2h)', () => {
      assert.equal(businessTimeBetween(newYork, utc('2026-01-09T22:00:00Z'), utc('2026-01-12T15:00:00Z')), 2 * HOUR);
    });

    it('excludes holidays', () => {
      const cal = { ...newYork, holidays: ['2026-01-12'] };
      assert.equal(businessTimeBetween(cal, utc('2026-01-09T22:00:00Z'), utc('2026-01-13T15:00:00Z')), 2 * HOUR);
    });

    it('is zero when toMs is not after fromMs', () => {
      assert.equal(businessTimeBetween(newYork, utc('2026-01-12T15:00:00Z'), utc('2026-01-12T15:00:00Z')), 0);
      assert.equal(businessTimeBetween(newYork, utc('2026-01-12T16:00:00Z'), utc('2026-01-12T15:00:00Z')), 0);
    });

    it('is zero for a calendar with no hours rather than throwing', () => {
      const closed = calendar('America/New_York', []);
      assert.equal(businessTimeBetween(closed, utc('2026-01-09T00:00:00Z'), utc('2026-01-19T00:00:00Z')), 0);
    });
  });

  describe('daylight-saving changes', () => {
    const alwaysOpen = calendar('America/New_York', [], { alwaysOpen: true });

    it('adds exactly the given ms on a 24x7 calendar across spring-forward and fall-back', () => {
      for (const start of ['2026-03-07T17:00:00Z', '2026-10-31T16:00:00Z']) {
        assert.equal(addBusinessTime(alwaysOpen, utc(start), 24 * HOUR), utc(start) + 24 * HOUR);
        assert.equal(businessTimeBetween(alwaysOpen, utc(start), utc(start) + 24 * HOUR), 24 * HOUR);
      }
    });

    it('gives a 00:00–24:00 spring-forward Sunday 23 hours of open time', () => {
      // Sun 2026-03-08 00:00 EST -> Mon 2026-03-09 00:00 EDT.
      assert.equal(
        businessTimeBetween(weekendAllDayNewYork, utc('2026-03-08T05:00:00Z'), utc('2026-03-09T04:00:00Z')),
        23 * HOUR,
      );
      assert.equal(
        businessTimeBetween(weekendAllDayNewYork, utc('2026-03-06T00:00:00Z'), utc('2026-03-10T00:00:00Z')),
        47 * HOUR,
      );
    });

    it('gives a 00:00–24:00 fall-back Sunday 25 hours of open time', () => {
      // Sun 2026-11-01 00:00 EDT -> Mon 2026-11-02 00:00 EST.
      assert.equal(
        businessTimeBetween(weekendAllDayNewYork, utc('2026-11-01T04:00:00Z'), utc('2026-11-02T05:00:00Z')),
        25 * HOUR,
      );
      assert.equal(
        businessTimeBetween(weekendAllDayNewYork, utc('2026-10-30T00:00:00Z'), utc('2026-11-03T00:00:00Z')),
        49 * HOUR,
      );
    });

    it('lands on the right local wall-clock time after spring-forward', () => {
      // Fri 2026-03-06 17:00 EST + 2h -> Mon 2026-03-09 10:00 EDT.
      assert.equal(addBusinessTime(newYork, utc('2026-03-06T22:00:00Z'), 2 * HOUR), utc('2026-03-09T14:00:00Z'));
    });

    it('lands on the right local wall-clock time after fall-back', () => {
      // Fri 2026-10-30 17:00 EDT + 2h -> Mon 2026-11-02 10:00 EST.
      assert.equal(addBusinessTime(newYork, utc('2026-10-30T21:00:00Z'), 2 * HOUR), utc('2026-11-02T15:00:00Z'));
    });

    it('counts elapsed UTC time on an all-day calendar across the spring-forward night', () => {
      // Sat 2026-03-07 12:00 EST + 24 open hours -> Sun 13:00 EDT, which is 24 real hours later.
      assert.equal(
        addBusinessTime(weekendAllDayNewYork, utc('2026-03-07T17:00:00Z'), 24 * HOUR),
        utc('2026-03-08T17:00:00Z'),
      );
    });

    it('opens at the first valid instant when the opening time falls in the spring-forward gap', () => {
      const cal = calendar('America/New_York', [{ day: 0, open: '02:30', close: '04:00' }]);
      // 02:30 does not exist on 2026-03-08; the day opens at 03:00 EDT.
      assert.equal(nextOpening(cal, utc('2026-03-08T05:00:00Z')), utc('2026-03-08T07:00:00Z'));
      assert.equal(businessTimeBetween(cal, utc('2026-03-08T00:00:00Z'), utc('2026-03-09T00:00:00Z')), HOUR);
    });

    it('drops an interval that lies wholly inside the spring-forward gap', () => {
      const cal = calendar('America/New_York', [{ day: 0, open: '02:00', close: '02:30' }]);
      // Next Sunday 2026-03-15 02:00 EDT.
      assert.equal(nextOpening(cal, utc('2026-03-08T05:00:00Z')), utc('2026-03-15T06:00:00Z'));
    });

    it('uses the first occurrence of an ambiguous fall-back opening time', () => {
      const cal = calendar('America/New_York', [{ day: 0, open: '01:30', close: '03:00' }]);
      // 01:30 EDT (05:30Z) to 03:00 EST (08:00Z) on 2026-11-01.
      assert.equal(nextOpening(cal, utc('2026-11-01T04:00:00Z')), utc('2026-11-01T05:30:00Z'));
      assert.equal(isOpen(cal, utc('2026-11-01T06:30:00Z')), true, 'second 01:30 (EST) is inside the interval');
      assert.equal(businessTimeBetween(cal, utc('2026-10-31T00:00:00Z'), utc('2026-11-02T00:00:00Z')), 2.5 * HOUR);
    });

    it('handles a zone whose DST change skips local midnight (America/Santiago)', () => {
      // 2026-09-06 00:00 does not exist in Santiago; that Sunday opens at 01:00 -03 and lasts 23h.
      const cal = calendar('America/Santiago', [{ day: 0, open: '00:00', close: '24:00' }]);
      assert.equal(nextOpening(cal, utc('2026-09-05T12:00:00Z')), utc('2026-09-06T04:00:00Z'));
      assert.equal(businessTimeBetween(cal, utc('2026-09-05T00:00:00Z'), utc('2026-09-08T00:00:00Z')), 23 * HOUR);
    });
  });

  describe('other time zones', () => {
    it('follows Europe/London across the switch to BST', () => {
      const london = calendar('Europe/London', weekdays('09:00', '17:30'));
      assert.equal(isOpen(london, utc('2026-01-05T09:00:00Z')), true);
      assert.equal(isOpen(london, utc('2026-01-05T08:59:59Z')), false);
      // Fri 2026-03-27 17:00 GMT + 1h -> Mon 2026-03-30 09:30 BST (08:30Z).
      assert.equal(addBusinessTime(london, utc('2026-03-27T17:00:00Z'), HOUR), utc('2026-03-30T08:30:00Z'));
    });

    it('handles the half-hour offset of Asia/Kolkata', () => {
      const kolkata = calendar('Asia/Kolkata', weekdays('09:00', '18:00'));
      // 09:00 IST = 03:30Z.
      assert.equal(isOpen(kolkata, utc('2026-01-12T03:30:00Z')), true);
      assert.equal(isOpen(kolkata, utc('2026-01-12T03:29:00Z')), false);
      // Fri 2026-01-09 17:30 IST + 1h -> Mon 2026-01-12 09:30 IST (04:00Z).
      assert.equal(addBusinessTime(kolkata, utc('2026-01-09T12:00:00Z'), HOUR), utc('2026-01-12T04:00:00Z'));
      assert.equal(nextOpening(kolkata, utc('2026-01-10T06:00:00Z')), utc('2026-01-12T03:30:00Z'));
    });
  });

  describe('alwaysOpen', () => {
    const always = calendar('America/New_York', weekdays('09:00', '18:00'), {
      alwaysOpen: true,
      holidays: ['2026-01-10'],
    });

    it('is open on weekends and holidays regardless of hours', () => {
      assert.equal(isOpen(always, utc('2026-01-10T08:00:00Z')), true);
      assert.equal(nextOpening(always, utc('2026-01-10T08:00:00Z')), utc('2026-01-10T08:00:00Z'));
    });

    it('adds and measures plain elapsed time', () => {
      const start = utc('2026-01-09T22:58:00Z');
      assert.equal(addBusinessTime(always, start, 5 * MIN), start + 5 * MIN);
      assert.equal(businessTimeBetween(always, start, start + 3 * 24 * HOUR), 3 * 24 * HOUR);
    });
  });

  describe('isOpen and nextOpening', () => {
    it('returns the instant itself when inside hours', () => {
      const t = utc('2026-01-12T16:00:00Z');
      assert.equal(isOpen(newYork, t), true);
      assert.equal(nextOpening(newYork, t), t);
    });

    it('treats opening as inclusive and closing as exclusive', () => {
      assert.equal(isOpen(newYork, utc('2026-01-12T14:00:00Z')), true);
      assert.equal(isOpen(newYork, utc('2026-01-12T23:00:00Z')), false);
      assert.equal(nextOpening(newYork, utc('2026-01-12T23:00:00Z')), utc('2026-01-13T14:00:00Z'));
    });

    it('returns the same-day opening before hours', () => {
      assert.equal(nextOpening(newYork, utc('2026-01-12T12:00:00Z')), utc('2026-01-12T14:00:00Z'));
    });

    it('returns Monday opening from a weekend', () => {
      assert.equal(isOpen(newYork, utc('2026-01-10T17:00:00Z')), false);
      assert.equal(nextOpening(newYork, utc('2026-01-10T17:00:00Z')), utc('2026-01-12T14:00:00Z'));
    });

    it('is closed all day on a holiday', () => {
      const cal = { ...newYork, holidays: ['2026-01-12'] };
      assert.equal(isOpen(cal, utc('2026-01-12T16:00:00Z')), false);
      assert.equal(nextOpening(cal, utc('2026-01-12T16:00:00Z')), utc('2026-01-13T14:00:00Z'));
    });

    it('throws a clear error when the calendar has no hours', () => {
      const closed = calendar('America/New_York', []);
      assert.equal(isOpen(closed, utc('2026-01-12T16:00:00Z')), false);
      assert.throws(() => nextOpening(closed, utc('2026-01-12T16:00:00Z')), /never opens/);
    });

    it('throws on an invalid calendar instead of guessing', () => {
      const bad = calendar('Mars/Olympus_Mons', weekdays('09:00', '18:00'));
      assert.throws(() => isOpen(bad, utc('2026-01-12T16:00:00Z')), /invalid business calendar.*Mars\/Olympus_Mons/);
    });
  });

  describe('validateCalendar', () => {
    it('accepts a well-formed calendar', () => {
      assert.deepEqual(validateCalendar({ ...newYork, holidays: ['2026-01-01', '2028-02-29'] }), []);
      assert.deepEqual(validateCalendar(weekendAllDayNewYork), []);
    });

    it('reports an unknown time zone', () => {
      const problems = validateCalendar(calendar('Not/AZone', weekdays('09:00', '18:00')));
      assert.equal(problems.length, 1);
      assert.match(problems[0], /timeZone "Not\/AZone"/);
    });

    it('reports malformed HH:MM values', () => {
      const problems = validateCalendar(
        calendar('UTC', [
          { day: 1, open: '9:00', close: '18:00' },
          { day: 2, open: '09:00', close: '25:00' },
          { day: 3, open: '24:00', close: '24:00' },
          { day: 4, open: '09:60', close: '18:00' },
        ]),
      );
      assert.equal(problems.length, 4, problems.join('\n'));
      assert.match(problems[0], /hours\[0\]\.open "9:00"/);
      assert.match(problems[1], /hours\[1\]\.close "25:00"/);
      assert.match(problems[2], /hours\[2\]\.open "24:00"/);
      assert.match(problems[3], /hours\[3\]\.open "09:60"/);
    });

    it('reports a close that is not after open', () => {
      const problems = validateCalendar(
        calendar('UTC', [
          { day: 1, open: '18:00', close: '09:00' },
          { day: 2, open: '09:00', close: '09:00' },
        ]),
      );
      assert.equal(problems.length, 2);
      assert.match(problems[0], /close 09:00 must be after open 18:00/);
    });

    it('reports an out-of-range weekday', () => {
      const problems = validateCalendar(
        calendar('UTC', [{ day: 7 as WeeklyHours['day'], open: '09:00', close: '18:00' }]),
      );
      assert.equal(problems.length, 1);
      assert.match(problems[0], /hours\[0\]\.day 7/);
    });

    it('reports bad holiday dates', () => {
      const problems = validateCalendar({
        ...newYork,
        holidays: ['2026-02-30', '2026/01/01', '2027-02-29', '2026-13-01'],
      });
      assert.equal(problems.length, 4, problems.join('\n'));
      assert.match(problems[0], /holidays\[0\] "2026-02-30"/);
    });

    it('reports a calendar that never opens, but not an alwaysOpen one without hours', () => {
      assert.equal(validateCalendar(calendar('UTC', [])).length, 1);
      assert.match(validateCalendar(calendar('UTC', []))[0], /never opens/);
      assert.deepEqual(validateCalendar(calendar('UTC', [], { alwaysOpen: true })), []);
    });
  });
});
