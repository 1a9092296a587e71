// The benchmark's policies: the seed's, with deadlines shortened so a run takes minutes. They go
// into each case's input, like any deployment's POLICY_FILE; the workflow code is unchanged.
import type { BusinessCalendar } from '../src/policy/calendar';
import { DEFAULT_POLICY } from '../src/policy/default-policy';
import type { SupportPolicy } from '../src/policy/types';

/**
 * The seed's policy with: the survey right after resolution (B5 works a case to its rating), a P0
 * whose rungs climb every minute (B5's ladder case), and live chat held to 24 hours around the
 * clock, so chat cases opened for other figures (B3) never breach during a run.
 */
export function basePolicy(): SupportPolicy {
  const p = structuredClone(DEFAULT_POLICY);
  p.version = `${DEFAULT_POLICY.version}+bench`;
  p.csat = { ...p.csat, surveyDelayMinutes: 0 };
  p.severities = p.severities.map((s) => (s.id === 'P0' ? { ...s, responseMinutes: 1 } : s));
  p.channels = p.channels.map((c) =>
    c.id === 'chat' ? { ...c, firstResponseMinutes: 24 * 60, nextReplyMinutes: 24 * 60, calendarId: '24x7' } : c,
  );
  return p;
}

/** Local 'HH:MM' of an instant in a time zone. */
function hhmm(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    at,
  );
}

/**
 * B4's policy: live chat's first response is due 1 minute into a support window that opens at
 * `opensAt` (a whole minute) and is closed before it. Every chat case opened before `opensAt`
 * therefore breaches at the same instant, `opensAt` + 1 minute: the shared deadline of an outage.
 * 1 minute gets no warning (src/policy/clocks.ts), so the only notice is the breach e-mail.
 */
export function breachPolicy(opensAt: Date): SupportPolicy {
  const p = basePolicy();
  // A zone where the window does not cross local midnight (it must close after it opens).
  const timeZone = ['UTC', 'Etc/GMT+12', 'Etc/GMT-12'].find((z) => {
    const open = hhmm(opensAt, z);
    return open >= '00:05' && open <= '23:50';
  })!;
  const open = hhmm(opensAt, timeZone);
  const window: BusinessCalendar = {
    id: 'bench-window',
    name: `Support window from ${open} ${timeZone}`,
    timeZone,
    hours: ([0, 1, 2, 3, 4, 5, 6] as const).map((day) => ({ day, open, close: '24:00' })),
    holidays: [],
  };
  p.version = `${DEFAULT_POLICY.version}+bench-window-${opensAt.toISOString().slice(11, 16)}`;
  p.calendars = [...p.calendars, window];
  p.channels = p.channels.map((c) =>
    c.id === 'chat' ? { ...c, firstResponseMinutes: 1, nextReplyMinutes: 5, calendarId: window.id } : c,
  );
  return p;
}
