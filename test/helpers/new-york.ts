// Wall-clock instants in the seed's time zone (America/New_York) for clock tests and recordings.
import { DEFAULT_POLICY } from '../../src/policy/default-policy';

const DAY = 86_400_000;
const businessHours = DEFAULT_POLICY.calendars.find((c) => c.id === 'business-hours')!;

/** The UTC instant of a New York wall-clock time ('2026-12-04', '17:58'). */
export function newYork(date: string, time: string): number {
  const guess = Date.parse(`${date}T${time}:00Z`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(new Date(guess))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`);
  return guess + (guess - local);
}
/** The New York date of an instant, YYYY-MM-DD. */
export const nyDate = (ms: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(ms));
/** Day of the week of a date, 0 = Sunday. */
export const nyWeekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay();
/** The date n days later. */
export const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) + n * DAY).toISOString().slice(0, 10);
/** A weekday that is not a holiday of the policy's business-hours calendar. */
export const workday = (date: string) =>
  nyWeekday(date) >= 1 && nyWeekday(date) <= 5 && !businessHours.holidays.includes(date);
/** The first working Friday after `fromMs` whose Monday is a working day too. */
export function nextWorkingFriday(fromMs: number): string {
  let d = nyDate(fromMs + DAY);
  while (!(nyWeekday(d) === 5 && workday(d) && workday(addDays(d, 3)))) d = addDays(d, 1);
  return d;
}
