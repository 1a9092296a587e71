// SLA clocks on a case: first response by channel, next reply after each chat message,
// resolution, and engineering response per escalation. Each clock is plain data in case state
// (src/policy/clocks.ts); its deadline is computed from the calendars every time, never stored,
// so a policyChanged or calendarChanged signal re-plans it and continue-as-new carries it as is.
// One durable timer waits for the earliest warning or breach; it is re-armed only when that
// earliest event changes, so unrelated agent actions add nothing to history.
import { condition, patched, setHandler } from '@temporalio/workflow';
import { validateCalendar, type BusinessCalendar } from '../../src/policy/calendar';
import { checkCalendarChanged, checkPolicyChanged } from '../../src/policy/signal-checks';
import {
  clockDefsFor,
  clockView,
  markBreached,
  markWarned,
  meetClock,
  nextDeadline,
  nextDueEvent,
  openingClocks,
  pauseClock,
  policyWarnBefore,
  resumeClock,
  startClock,
  unknownCalendarIds,
  type DueClockEvent,
  type SlaClock,
  type SlaClockDef,
} from '../../src/policy/clocks';
import type { Severity, SupportPolicy } from '../../src/policy/types';
import { SYSTEM, type CaseContext } from '../case/context';
import { SMALL_RESULTS_PATCH } from '../case/contract';
import { queueEffect, runEffects } from '../case/effects';
import {
  calendarChangedSignal,
  CaseBreachedAttr,
  CaseNextDeadlineAttr,
  policyChangedSignal,
  type PolicyChangedInput,
} from './contract';
import type { PlanningPolicy, SlaState } from './state';

/** Patch id of SLA clocks and escalation: cases opened before them replay without clocks, escalations or continue-as-new. */
export const SLA_PATCH = 'sla-clocks-and-escalation';
/** Patch id of the Slack heads-up when an engineering clock warns. */
const ENGINEERING_WARNING_PATCH = 'engineering-warning-to-slack';

// Finished next-reply clocks beyond this many are dropped (their breaches stay counted), so a
// long chat does not grow the state without bound.
const KEEP_FINISHED_NEXT_REPLY = 5;
const MINUTE = 60_000;

/** The planning policy in force: the pinned one, with any live change applied. */
export function planningPolicy(ctx: CaseContext): PlanningPolicy & Pick<SupportPolicy, 'contacts' | 'timeZone'> {
  const p = ctx.input.policy;
  return {
    contacts: p.contacts,
    timeZone: p.timeZone,
    version: p.version,
    calendars: p.calendars,
    channels: p.channels,
    severities: p.severities,
    resolutionTargetMinutes: p.resolutionTargetMinutes,
    ...ctx.state.sla?.planning,
  };
}

/** The calendar with this id in the planning policy. */
export function calendarOf(ctx: CaseContext, id: string): BusinessCalendar {
  const cal = planningPolicy(ctx).calendars.find((c) => c.id === id);
  if (!cal) throw new Error(`the policy has no calendar ${JSON.stringify(id)}`);
  return cal;
}

/** Marks clocks or escalations changed, so timer loops re-plan. */
export function bump(ctx: CaseContext): void {
  ctx.state.sla!.rev++;
}

/** The staff contact with this id (e.g. support-lead) from the policy's directory. */
export function contactOf(ctx: CaseContext, id: string): string | undefined {
  return ctx.input.policy.contacts.find((c) => c.id === id)?.contact;
}

function warnBefore(ctx: CaseContext, targetMinutes: number): number {
  return policyWarnBefore(ctx.input.policy, targetMinutes);
}

/** The policy's definition of a clock kind for this case, with the warning lead the policy sets. */
export function clockDef(ctx: CaseContext, kind: SlaClockDef['kind'], severity?: Severity): SlaClockDef | undefined {
  const plan = planningPolicy(ctx);
  const def = clockDefsFor({ ...ctx.input.policy, ...plan } as SupportPolicy, {
    channel: ctx.input.channel,
    severity,
  }).find((d) => d.kind === kind);
  return def && { ...def, warnBeforeMinutes: warnBefore(ctx, def.targetMinutes) };
}

/** Starts a clock with its own id (e.g. `engineering_response:esc-2`). */
export function startSlaClock(ctx: CaseContext, def: SlaClockDef, id: string, atMs = Date.now()): void {
  ctx.state.sla!.clocks.push(startClock({ ...def, id }, atMs));
  bump(ctx);
}

/** Applies fn to the clock with this id. */
export function updateClock(ctx: CaseContext, id: string, fn: (c: SlaClock) => SlaClock): void {
  const sla = ctx.state.sla!;
  sla.clocks = sla.clocks.map((c) => (c.id === id ? fn(c) : c));
  bump(ctx);
}

/** Gives a clock that has not finished a new target and calendar (severity or policy change); pauses are kept. */
export function retarget(ctx: CaseContext, id: string, def: SlaClockDef | undefined): void {
  if (!def) return;
  updateClock(ctx, id, (c) =>
    c.state === 'met' || c.state === 'breached'
      ? c
      : {
          ...c,
          label: def.label,
          calendarId: def.calendarId,
          targetMinutes: def.targetMinutes,
          warnBeforeMinutes: def.warnBeforeMinutes,
        },
  );
}

/** Local date and time in the policy's zone, for staff notices and the Escalation Notice. */
export function localTime(ctx: CaseContext, ms: number): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: ctx.input.policy.timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(ms));
}

/** Installs the SLA clocks on a case. */
export function clocksFeature(ctx: CaseContext): void {
  if (!patched(SLA_PATCH)) return;
  // Cases started before this re-armed the timer whenever the earliest event changed, and stored
  // the clock figures in the view at every publish; new ones keep the timer while the earliest
  // event stays at the same instant (first response met, resolution due at the same moment),
  // which spares a cancelled and a started timer, and derive the figures in the query.
  const smallResults = patched(SMALL_RESULTS_PATCH);
  const { input, view, state } = ctx;
  const isNew = !state.sla;
  const sla: SlaState = (state.sla ??= {
    clocks: [],
    rev: 0,
    nextReplies: 0,
    resolutions: 0,
    breaches: 0,
    customerFacingBreaches: 0,
    warnings: 0,
    effects: { queue: [], next: 0 },
  });
  const calendars = () => planningPolicy(ctx).calendars;
  const clock = (id: string) => sla.clocks.find((c) => c.id === id);
  const customerFacing = () => sla.clocks.filter((c) => c.customerFacing);
  runEffects(ctx, sla.effects);

  // The same clocks the API shows in the view it answers POST /cases with (workflows/case/opening.ts).
  if (isNew && !input.resume)
    sla.clocks.push(...openingClocks(input.policy, input.channel, Date.parse(view.times.openedAt)));

  // ---- what happens to a case moves its clocks ----
  ctx.on('agentResponse', () => {
    const now = Date.now();
    sla.clocks = sla.clocks.map((c) =>
      c.kind === 'first_response' || c.kind === 'next_reply' ? meetClock(c, now) : c,
    );
    bump(ctx);
  });

  ctx.on('customerMessage', () => {
    const def = clockDef(ctx, 'next_reply');
    const first = clock('first_response');
    // While the first response is owed, it is the clock; another message does not move a running next-reply deadline.
    if (
      !def ||
      (first && first.metAt === undefined) ||
      sla.clocks.some((c) => c.kind === 'next_reply' && (c.state === 'running' || c.state === 'paused'))
    )
      return;
    const finished = sla.clocks.filter((c) => c.kind === 'next_reply');
    if (finished.length >= KEEP_FINISHED_NEXT_REPLY) sla.clocks.splice(sla.clocks.indexOf(finished[0]), 1);
    startSlaClock(ctx, def, `next_reply:${++sla.nextReplies}`);
  });

  ctx.on('statusChanged', ({ from, to }) => {
    const now = Date.now();
    if (to === 'awaiting_customer') {
      // Waiting for the customer stops the customer-facing clocks; the pause is kept and shown.
      for (const c of customerFacing()) updateClock(ctx, c.id, (x) => pauseClock(x, now));
    } else if (from === 'awaiting_customer') {
      for (const c of customerFacing()) updateClock(ctx, c.id, (x) => resumeClock(x, now));
    }
    if (to === 'resolved') {
      for (const c of customerFacing()) updateClock(ctx, c.id, (x) => meetClock(x, now));
    }
    if ((from === 'resolved' || from === 'closed') && to === 'open') {
      const def = clockDef(ctx, 'resolution');
      if (def) startSlaClock(ctx, def, `resolution:reopen-${++sla.resolutions}`, now);
    }
  });

  // ---- live policy and calendar changes re-plan running deadlines ----
  const applyPlanning = (planning: PlanningPolicy, by: string, what: string) => {
    const problems = [
      ...planning.calendars.flatMap((c) => validateCalendar(c).map((p) => `${c.id}: ${p}`)),
      ...unknownCalendarIds(sla.clocks, planning.calendars).map((id) => `calendar ${id} is in use and missing`),
      ...(planning.channels.some((c) => c.id === input.channel) ? [] : [`channel ${input.channel} is missing`]),
      ...(view.escalations ?? [])
        .filter(
          (e) =>
            !planning.severities.some(
              (sev) => sev.id === e.severity && planning.calendars.some((c) => c.id === sev.calendarId),
            ),
        )
        .map((e) => `severity ${e.severity} of ${e.id} is missing or has no calendar`),
    ];
    if (problems.length) {
      // A signal cannot be refused: the attempt is recorded and the deadlines stay as they were.
      ctx.record({ id: by, name: by, role: 'system' }, `${what}_rejected`, problems.slice(0, 3).join('; '));
      return;
    }
    // All or nothing: a planning policy that breaks a clock midway leaves the deadlines as they were.
    const before = { planning: sla.planning, clocks: sla.clocks, rev: sla.rev };
    try {
      sla.planning = planning;
      for (const c of sla.clocks) {
        const esc =
          c.kind === 'engineering_response'
            ? view.escalations?.find((e) => c.id === `engineering_response:${e.id}`)
            : undefined;
        retarget(ctx, c.id, clockDef(ctx, c.kind, esc?.severity));
      }
    } catch (err) {
      Object.assign(sla, before);
      throw err;
    }
    bump(ctx);
    ctx.record({ id: by, name: by, role: 'system' }, what, `policy ${planning.version}; running deadlines re-planned`);
    ctx.publish();
  };
  // Through the action queue, so a re-plan never lands in the middle of an agent's action.
  ctx.signal(policyChangedSignal, 'policy_changed', checkPolicyChanged, ({ policy, by }) =>
    applyPlanning(
      {
        version: policy.version,
        calendars: policy.calendars,
        channels: policy.channels,
        severities: policy.severities,
        resolutionTargetMinutes: policy.resolutionTargetMinutes,
      },
      by ?? 'ops',
      'policy_changed',
    ),
  );
  ctx.signal(calendarChangedSignal, 'calendar_changed', checkCalendarChanged, ({ calendar, by }) => {
    const plan = planningPolicy(ctx);
    const changed = plan.calendars.some((c) => c.id === calendar.id)
      ? plan.calendars.map((c) => (c.id === calendar.id ? calendar : c))
      : [...plan.calendars, calendar];
    const base = plan.version.replace(new RegExp(`\\+calendar-${calendar.id.replace(/[^\w-]/g, '')}$`), '');
    applyPlanning(
      {
        version: `${base}+calendar-${calendar.id}`,
        calendars: changed,
        channels: plan.channels,
        severities: plan.severities,
        resolutionTargetMinutes: plan.resolutionTargetMinutes,
      },
      by ?? 'ops',
      'calendar_changed',
    );
  });

  // ---- what ops and the Web UI see ----
  ctx.addPublisher({
    searchAttributes: () => {
      const next = nextDeadline(sla.clocks, calendars());
      return [
        { key: CaseNextDeadlineAttr, value: next === null ? null : new Date(next) },
        { key: CaseBreachedAttr, value: sla.clocks.some((c) => c.breachedAt !== undefined) },
      ];
    },
    details: () => {
      const next = nextDeadline(sla.clocks, calendars());
      const running = sla.clocks
        .filter((c) => c.state === 'running' || c.state === 'paused')
        .map((c) => `${c.label} ${c.state}`);
      return [
        `**SLA:** ${running.length ? running.join(', ') : 'no clock running'}${next === null ? '' : ` · next deadline ${localTime(ctx, next)}`}`,
        ...(sla.breaches ? [`**Breaches:** ${sla.breaches}`] : []),
      ];
    },
    derive: (atMs) => {
      return {
        clocks: sla.clocks.map((c) => clockView(c, calendars(), atMs)),
        clocksAsOf: new Date(atMs).toISOString(),
        sla: {
          breaches: sla.breaches,
          customerFacingBreaches: sla.customerFacingBreaches,
          warnings: sla.warnings,
          policyVersion: planningPolicy(ctx).version,
        },
      };
    },
  });
  if (smallResults) {
    // Derived in the query (ctx.viewNow), never carried: a run continued from an older one drops them.
    delete view.clocks;
    delete view.clocksAsOf;
    delete view.sla;
  }
  if (input.resume) ctx.publish();

  // ---- the timer: the earliest warning or breach ----
  // Policies pinned before noticeContactId existed told the seed's Support Lead.
  const supportLead = contactOf(ctx, input.policy.sla?.noticeContactId ?? 'support-lead');
  const fire = (ev: DueClockEvent) => {
    const c = clock(ev.clockId);
    if (!c || c.state !== 'running') return;
    const now = Date.now();
    const deadline = ev.kind === 'breach' ? ev.atMs : nextDeadline([c], calendars());
    const caseLine = `Case ${input.caseId} (${view.channel}, ${view.category ?? 'uncategorized'}), assignee ${view.assignee?.name ?? 'none'}`;
    if (ev.kind === 'warn') {
      updateClock(ctx, c.id, (x) => markWarned(x, now));
      sla.warnings++;
      ctx.record(SYSTEM, 'sla_warning', `${c.label}: due ${deadline === null ? '' : localTime(ctx, deadline)}`);
      if (!c.customerFacing) {
        // The engineers are in the escalations channel: a heads-up before the ladder climbs. Cases
        // whose history has no marker here warned nobody (the Slack heads-up came later).
        if (patched(ENGINEERING_WARNING_PATCH))
          queueEffect(sla.effects, {
            kind: 'slackNotify',
            input: {
              channel: input.settings.slackEscalationsChannel ?? '#support-escalations',
              text: `${c.label} on case ${input.caseId}: not acknowledged yet, next rung ${deadline === null ? 'soon' : `at ${localTime(ctx, deadline)}`}`,
            },
          });
      } else if (supportLead) {
        queueEffect(sla.effects, {
          kind: 'staffEmail',
          input: {
            key: `case-${input.caseId}:clock-${c.id}:warn`,
            caseId: input.caseId,
            kind: 'sla_warning',
            to: supportLead,
            subject: `SLA warning: ${c.label} due ${deadline === null ? 'soon' : localTime(ctx, deadline)} [${input.caseId}]`,
            text: `${caseLine}.\n\n${c.label} (${c.targetMinutes} minutes, calendar ${c.calendarId}) breaches at ${deadline === null ? '?' : localTime(ctx, deadline)} unless the customer hears from us.\n`,
          },
        });
      }
    } else {
      updateClock(ctx, c.id, (x) => markBreached(x, ev.atMs));
      sla.breaches++;
      ctx.record(SYSTEM, 'sla_breached', `${c.label}: deadline ${localTime(ctx, ev.atMs)}`);
      if (c.customerFacing) {
        sla.customerFacingBreaches++;
        // A customer-facing breach goes to the Support Lead (the seed's contact for complex cases).
        if (supportLead) {
          queueEffect(sla.effects, {
            kind: 'staffEmail',
            input: {
              key: `case-${input.caseId}:clock-${c.id}:breach`,
              caseId: input.caseId,
              kind: 'sla_breach',
              to: supportLead,
              subject: `SLA breached: ${c.label} [${input.caseId}]`,
              text:
                `${caseLine}.\n\n${c.label} breached.\nTarget: ${c.targetMinutes} minutes in calendar ${c.calendarId}\nStarted: ${localTime(ctx, c.startedAt)}\n` +
                `Deadline: ${localTime(ctx, ev.atMs)} (${new Date(ev.atMs).toISOString()})\nPaused: ${c.pauses.length} time(s)\n`,
            },
          });
        }
      }
    }
    ctx.publish();
  };

  void (async () => {
    let planRev = -1;
    let plan: DueClockEvent | null = null;
    const current = () => {
      if (planRev !== sla.rev) {
        planRev = sla.rev;
        plan = nextDueEvent(sla.clocks, calendars(), Date.now());
      }
      return plan;
    };
    const key = (e: DueClockEvent | null) =>
      e ? (smallResults ? `${e.atMs}` : `${e.clockId}:${e.kind}:${e.atMs}`) : '';
    for (;;) {
      const ev = current();
      const k = key(ev);
      if (!ev) {
        await condition(() => key(current()) !== k);
        continue;
      }
      const wait = ev.atMs - Date.now();
      if (wait > 0) {
        const label = clock(ev.clockId)?.label ?? ev.clockId;
        if (await condition(() => key(current()) !== k, wait, { summary: `SLA ${ev.kind}: ${label}` })) continue;
      }
      // Same key, so current() is due at the same instant (maybe another clock's event than ev).
      fire(smallResults ? (current() ?? ev) : ev);
      planRev = -1;
    }
  })();
}

/** Minutes as the case view and notices say them. */
export const minutesMs = (m: number) => m * MINUTE;
