// Escalations to Engineering: the agent's Update with the seed's template, automatic escalation
// (technical cases, flagged category triggers, too many reopens), the Slack post and the
// customer's Escalation Notice, and a ladder per severity that notifies rung after rung until
// someone acknowledges. Ladder deadlines are computed from the rung's start and the severity's
// calendar, never stored, so severity and calendar changes re-plan them and continue-as-new
// carries them in the view.
import { condition, patched } from '@temporalio/workflow';
import { addBusinessTime } from '../../src/policy/calendar';
import { meetClock, suggestSeverity } from '../../src/policy/clocks';
import { escalationNotices, ladderWaitsDiffer, rungAckMinutes, triggersOf } from '../../src/policy/ladder';
import { describeMinutes } from '../../src/policy/rules';
import type { Severity, SeverityDef } from '../../src/policy/types';
import { SMALL_RESULTS_PATCH } from '../case/contract';
import { SYSTEM, type CaseContext } from '../case/context';
import { queueEffect } from '../case/effects';
import type { Actor } from '../case/state';
import {
  bump,
  calendarOf,
  clockDef,
  contactOf,
  localTime,
  planningPolicy,
  retarget,
  SLA_PATCH,
  startSlaClock,
  updateClock,
} from '../clocks/handlers';
import {
  acknowledgeEscalationUpdate,
  CaseEscalationLevelAttr,
  CaseSeverityAttr,
  changeSeverityUpdate,
  escalateUpdate,
  flagEscalationTriggerUpdate,
  resolveEscalationUpdate,
  type AcknowledgeEscalationInput,
  type ChangeSeverityInput,
  type EscalateInput,
  type FlagTriggerInput,
  type ResolveEscalationInput,
} from './contract';
import type { EscalationRecord, EscalationState, EscalationTemplate } from './state';

const MINUTE = 60_000;
/** Escalations per case are bounded, so the state stays small. */
const MAX_ESCALATIONS = 10;
const SEVERITY_RANK: Record<Severity, number> = { P0: 0, P1: 1, P2: 2, P3: 3 };
const TEMPLATE_FIELDS = ['title', 'affectedUsers', 'issue', 'stepsToReproduce', 'userImpact', 'whatTried'] as const;
const PAGE_SEVERITY = { P0: 'critical', P1: 'error', P2: 'warning', P3: 'info' } as const;
/** Escalations of cases opened before this never join an incident's ladder. */
export const INCIDENT_JOIN_PATCH = 'escalation-joins-incident-ladder';
/**
 * Patch id of per-channel acknowledgement waits (a rung climbs after its internal channel's
 * response time, not the severity's) and of the contacts told besides the ladder (Legal,
 * Operations). Evaluated only when an escalation is made (or re-graded) whose ladder or contacts
 * would differ under it, and kept on the escalation (`channelAcks`), so an escalation made before
 * it climbs as it always did, and a case whose escalations change nothing writes no marker.
 */
export const CONTACTS_PATCH = 'escalation-contacts-and-channel-acks';

/** Installs escalations on a case. */
export function escalationFeature(ctx: CaseContext): void {
  if (!patched(SLA_PATCH) || !ctx.state.sla) return;
  // Cases started before this acknowledged and resolved each rung's page in an activity of its
  // own; new ones send one activity per escalation for all of its pages (fewer history events).
  const onePageActivity = patched(SMALL_RESULTS_PATCH);
  const { input, view, state } = ctx;
  const sla = ctx.state.sla;
  const es: EscalationState = (state.escalation ??= { technicalEscalated: false, reopensEscalated: false });
  view.escalations ??= [];
  view.escalationTriggers ??= [];
  const escalations = view.escalations;

  const severityDef = (sev: Severity): SeverityDef => {
    const def = planningPolicy(ctx).severities.find((s) => s.id === sev);
    if (!def) throw ctx.invalid(`the policy has no severity ${sev}`);
    return def;
  };
  const find = (id: string) => {
    const esc = escalations.find((e) => e.id === id);
    if (!esc) throw ctx.invalid(`the case has no escalation '${id}'`);
    return esc;
  };
  const caseWorkable = () => {
    if (view.status === 'resolved' || view.status === 'closed')
      throw ctx.forbidden(`the case is ${view.status}: escalate is not allowed`);
  };
  /** When the severity's response time, in its calendar, ends after `startedAt`: the customer's promised update. */
  const responseDue = (esc: EscalationRecord, startedAt: string) => {
    const sev = severityDef(esc.severity);
    return addBusinessTime(calendarOf(ctx, sev.calendarId), Date.parse(startedAt), sev.responseMinutes * MINUTE);
  };
  /**
   * Minutes rung `index` of the escalation's ladder waits for an acknowledgement: its internal
   * channel's response time (Slack 30 minutes, PagerDuty 15, engineering@ 24 hours) or, without a
   * channel and for escalations made before CONTACTS_PATCH, the severity's response time.
   */
  const rungWaitMinutes = (esc: EscalationRecord, index: number): number => {
    const sev = severityDef(esc.severity);
    return esc.channelAcks ? rungAckMinutes(input.policy, sev, sev.ladder[index]) : sev.responseMinutes;
  };
  /** When a rung's wait for an acknowledgement ends, in the severity's calendar. */
  const ackDue = (esc: EscalationRecord, rung: { index: number; startedAt: string }) => {
    const sev = severityDef(esc.severity);
    return addBusinessTime(
      calendarOf(ctx, sev.calendarId),
      Date.parse(rung.startedAt),
      rungWaitMinutes(esc, rung.index) * MINUTE,
    );
  };
  const timeframe = (sev: SeverityDef, dueMs: number) => {
    const cal = calendarOf(ctx, sev.calendarId);
    return `${cal.alwaysOpen ? describeMinutes(sev.responseMinutes) : `${describeMinutes(sev.responseMinutes).replace(/(minute|hour|day)/, 'business $1')}`}, by ${localTime(ctx, dueMs)}`;
  };
  const channel = input.settings.slackEscalationsChannel ?? '#support-escalations';
  const agentName = () => view.assignee?.name ?? 'Your EduStream support team';

  /** Notifies rung `index` of the escalation's ladder; `k` numbers notifications, so a dedup key is never reused. */
  const notifyRung = (esc: EscalationRecord, index: number, linkToPost = false) => {
    const sev = severityDef(esc.severity);
    const rung = sev.ladder[index];
    if (!rung) return;
    const k = esc.rungs.length + 1;
    const contact = rung.contactId ? contactOf(ctx, rung.contactId) : undefined;
    const rec = {
      k,
      index,
      severity: esc.severity,
      via: rung.via,
      target: rung.target,
      state: 'pending' as const,
      startedAt: ctx.now(),
      ...(contact ? { contact } : {}),
      ...(rung.via === 'pagerduty' ? { dedupKey: `case-${input.caseId}:${esc.id}:rung-${k}` } : {}),
    };
    esc.rungs.push(rec);
    const ref = { escalationId: esc.id, k };
    const headline = `[${esc.severity}] ${esc.title} (case ${input.caseId}, ${esc.id})`;
    const waited =
      index > 0
        ? ` Not acknowledged within ${describeMinutes(rungWaitMinutes(esc, index - 1))} by ${sev.ladder[index - 1].target}.`
        : '';
    const ackHint = `Acknowledge: POST /cases/${input.caseId}/escalations/${esc.id}/ack`;
    switch (rung.via) {
      case 'pagerduty':
        queueEffect(sla.effects, {
          kind: 'page',
          ref,
          input: {
            dedupKey: rec.dedupKey!,
            summary: `${headline}: ${rung.target}.${waited}`,
            severity: PAGE_SEVERITY[esc.severity],
            source: 'support-case-orchestrator',
            customDetails: {
              caseId: input.caseId,
              escalationId: esc.id,
              rung: k,
              target: rung.target,
              issue: esc.issue,
              userImpact: esc.userImpact,
              acknowledge: ackHint,
            },
            links: [{ href: `${input.settings.publicBaseUrl}/cases/${input.caseId}`, text: `Case ${input.caseId}` }],
          },
        });
        break;
      case 'email':
        if (contact) {
          queueEffect(sla.effects, {
            kind: 'staffEmail',
            ref,
            input: {
              key: `case-${input.caseId}:${esc.id}:rung-${k}`,
              caseId: input.caseId,
              kind: 'escalation_rung',
              to: contact,
              subject: `ESCALATION ${headline}`,
              text:
                `${rung.target},\n\n${headline} needs an engineer.${waited}\n\nIssue: ${esc.issue}\nAffected users: ${esc.affectedUsers}\nUser impact: ${esc.userImpact}\n` +
                `What was tried: ${esc.whatTried}\nSteps to reproduce:\n${esc.stepsToReproduce.map((s, i) => `${i + 1}. ${s}`).join('\n') || '-'}\n\n${ackHint}\n`,
            },
          });
        }
        queueEffect(sla.effects, {
          kind: 'slackNotify',
          input: { channel, mention: contact ?? rung.target, text: `${headline} is yours now.${waited} ${ackHint}` },
        });
        break;
      case 'slack':
      case 'ticket':
        // The first rung of a Slack or ticket ladder is the template post itself.
        if (!linkToPost)
          queueEffect(sla.effects, {
            kind: 'slackNotify',
            ref,
            input: { channel, text: `${headline}: ${rung.target}.${waited} ${ackHint}` },
          });
        break;
    }
    bump(ctx);
    ctx.record(SYSTEM, 'escalation_rung', `${esc.id} rung ${k}: ${rung.via} ${rung.target}`);
  };

  /** The contacts the policy tells of an escalation besides its ladder (Legal, Operations). */
  const contactsToTell = (esc: Pick<EscalationRecord, 'triggerId' | 'title' | 'issue' | 'userImpact'>) => {
    const text = [input.subject, input.description, esc.title, esc.issue, esc.userImpact].join('\n');
    return escalationNotices(input.policy.escalationNotices, { triggerId: esc.triggerId, text }).flatMap((n) => {
      const contact = input.policy.contacts.find((c) => c.id === n.contactId);
      return contact?.contact.includes('@') ? [{ ...n, contact }] : [];
    });
  };
  /** E-mails those contacts, each once per escalation. */
  const notifyContacts = (esc: EscalationRecord) => {
    for (const { contact, because } of contactsToTell(esc)) {
      (esc.notified ??= []).push({ contactId: contact.id, because, at: ctx.now() });
      const headline = `[${esc.severity}] ${esc.title} (case ${input.caseId}, ${esc.id})`;
      queueEffect(sla.effects, {
        kind: 'staffEmail',
        input: {
          key: `case-${input.caseId}:${esc.id}:notice-${contact.id}`,
          caseId: input.caseId,
          kind: 'escalation_contact',
          to: contact.contact,
          subject: `${contact.when}: ${headline}`,
          text:
            `${contact.role},\n\n${headline} was escalated to Engineering and concerns you (${contact.when}: ${because}).\n\n` +
            `Issue: ${esc.issue}\nAffected users: ${esc.affectedUsers}\nUser impact: ${esc.userImpact}\n\n` +
            `Case: ${input.settings.publicBaseUrl}/cases/${input.caseId}\n`,
        },
      });
      ctx.record(SYSTEM, 'contact_notified', `${esc.id}: ${contact.role} (${contact.when}: ${because})`);
    }
  };
  /** Whether an escalation at this severity would climb or notify differently under CONTACTS_PATCH. */
  const contactsPatchMatters = (sev: SeverityDef, esc: Parameters<typeof contactsToTell>[0]) =>
    ladderWaitsDiffer(input.policy, sev) || contactsToTell(esc).length > 0;

  const escalate = (
    actor: Actor,
    severity: Severity,
    fields: EscalationTemplate,
    source: EscalationRecord['source'],
    extra: Partial<EscalationRecord> = {},
  ): { escalationId: string } => {
    const sev = severityDef(severity);
    const n = escalations.length + 1;
    const now = ctx.now();
    const esc: EscalationRecord = {
      id: `esc-${n}`,
      n,
      severity,
      source,
      by: actor.name,
      createdAt: now,
      state: 'open',
      rungs: [],
      ladderStartedAt: now,
      ...fields,
      followUp: { promised: '', dueAt: now },
      ...extra,
    };
    // Only where an escalation is made, and only when it changes something: no marker otherwise.
    if (contactsPatchMatters(sev, esc) && patched(CONTACTS_PATCH)) esc.channelAcks = true;
    const due = responseDue(esc, now);
    esc.followUp = { promised: timeframe(sev, due), dueAt: new Date(due).toISOString() };
    escalations.push(esc);
    ctx.record(actor, 'escalated', `${esc.id} ${severity} (${source}${extra.triggerId ? `: ${extra.triggerId}` : ''})`);
    startSlaClock(ctx, clockDef(ctx, 'engineering_response', severity)!, `engineering_response:${esc.id}`);
    ctx.queueEmail('escalation_notice', { agent: agentName(), timeframe: esc.followUp.promised });
    const incident = view.incidents?.find((i) => i.active);
    if (incident && patched(INCIDENT_JOIN_PATCH)) {
      // One ladder per outage: the incident pages and posts; this escalation rides on it.
      joinIncident(esc, incident.incidentId, incident.acknowledged);
      return { escalationId: esc.id };
    }
    const first = sev.ladder[0];
    const linkToPost = first?.via === 'slack' || first?.via === 'ticket';
    queueEffect(sla.effects, {
      kind: 'postEscalation',
      ...(linkToPost ? { ref: { escalationId: esc.id, k: 1 } } : {}),
      input: {
        caseId: input.caseId,
        escalationId: esc.id,
        severity,
        title: esc.title,
        affectedUsers: esc.affectedUsers,
        issue: esc.issue,
        stepsToReproduce: esc.stepsToReproduce,
        userImpact: esc.userImpact,
        whatTried: esc.whatTried,
      },
    });
    notifyRung(esc, 0, linkToPost);
    if (esc.channelAcks) notifyContacts(esc);
    return { escalationId: esc.id };
  };

  /** The escalation joins the incident's ladder: it stops climbing, and the incident's acknowledgement is its own. */
  const joinIncident = (esc: EscalationRecord, incidentId: string, acknowledgedBy?: string) => {
    // Asked only where an escalation meets an incident: plain cases carry no marker for it.
    if (esc.joined || esc.state !== 'open' || !patched(INCIDENT_JOIN_PATCH)) return;
    esc.joined = incidentId;
    bump(ctx);
    ctx.record(SYSTEM, 'escalation_joined_incident', `${esc.id} -> ${incidentId}`);
    if (acknowledgedBy) acknowledgeJoined(esc, acknowledgedBy);
  };
  const acknowledgeJoined = (esc: EscalationRecord, by: string) => {
    esc.state = 'acknowledged';
    esc.acknowledged = { by: `${by} (incident ${esc.joined})`, role: 'engineer', at: ctx.now() };
    updateClock(ctx, `engineering_response:${esc.id}`, (c) => meetClock(c, Date.now()));
    ctx.record(SYSTEM, 'escalation_acknowledged', `${esc.id} with incident ${esc.joined}`);
  };
  ctx.on('incidentActive', ({ incidentId }) => {
    for (const esc of escalations) if (esc.state === 'open') joinIncident(esc, incidentId);
  });
  ctx.on('incidentAcknowledged', ({ incidentId, by }) => {
    for (const esc of escalations) if (esc.joined === incidentId && esc.state === 'open') acknowledgeJoined(esc, by);
    bump(ctx);
  });

  /** Acknowledges or resolves the pages of every rung of the escalation. */
  const pageEvents = (esc: EscalationRecord, kind: 'acknowledgePage' | 'resolvePage') => {
    const keys = esc.rungs.flatMap((r) => (r.dedupKey ? [r.dedupKey] : []));
    if (!onePageActivity) {
      for (const dedupKey of keys) queueEffect(sla.effects, { kind, input: { dedupKey } });
    } else if (keys.length) {
      queueEffect(sla.effects, {
        kind,
        input: { dedupKey: keys[0], ...(keys.length > 1 ? { more: keys.slice(1) } : {}) },
      });
    }
  };

  /** Template fields for an escalation nobody typed: what the case knows. */
  const fromCase = (title: string, note?: string): EscalationTemplate => {
    const done = view.checklist.filter((s) => s.state === 'completed').map((s) => s.title);
    return {
      title: `${title}: ${input.subject}`,
      affectedUsers: '1 customer (this case)',
      issue: note ? `${note}\n\n${input.description}` : input.description,
      stepsToReproduce: ['Not gathered yet: see the case'],
      userImpact: `Customer case ${input.caseId} (${view.category ?? 'uncategorized'}) waits on Engineering`,
      whatTried: done.length ? done.join('; ') : 'Tier 1 checklist not started',
    };
  };

  // ---- the agent's escalation, with the seed's template ----
  const chosenSeverity = (i: EscalateInput) => {
    if (i.severity) return { severity: i.severity };
    const text = [input.subject, input.description, i.title, i.issue, i.userImpact].filter(Boolean).join('\n');
    const s = suggestSeverity(input.policy, text);
    if (!s)
      throw ctx.invalid(
        'no severity given, and nothing in the case matches the seed\'s "When to Escalate" signals: choose P0, P1, P2 or P3',
      );
    return { severity: s.severity, suggestion: s };
  };
  ctx.action<EscalateInput>(
    escalateUpdate,
    null,
    (i) => {
      caseWorkable();
      if (escalations.length >= MAX_ESCALATIONS) throw ctx.invalid(`a case has at most ${MAX_ESCALATIONS} escalations`);
      const { severity } = chosenSeverity(i);
      if (SEVERITY_RANK[severity] <= SEVERITY_RANK.P2) {
        const missing = TEMPLATE_FIELDS.filter((f) => {
          const v = i[f];
          return Array.isArray(v) ? !v.some((s) => s.trim()) : !v?.trim();
        });
        if (missing.length) throw ctx.invalid(`a ${severity} escalation needs the template's ${missing.join(', ')}`);
      }
    },
    (i) => {
      const { severity, suggestion } = chosenSeverity(i);
      const d = fromCase('Escalation');
      return escalate(
        i.actor,
        severity,
        {
          title: i.title?.trim() || input.subject,
          affectedUsers: i.affectedUsers?.trim() || d.affectedUsers,
          issue: i.issue?.trim() || d.issue,
          stepsToReproduce: i.stepsToReproduce?.filter((s) => s.trim()).length
            ? i.stepsToReproduce.filter((s) => s.trim())
            : d.stepsToReproduce,
          userImpact: i.userImpact?.trim() || d.userImpact,
          whatTried: i.whatTried?.trim() || d.whatTried,
        },
        'agent',
        suggestion ? { severitySuggestion: suggestion } : {},
      );
    },
  );

  // ---- the category's triggers, flagged by an agent ----
  const triggerOf = (id: string) => {
    const cat = input.policy.categories.find((c) => c.id === view.category);
    const triggers = triggersOf(input.policy, cat);
    const t = triggers.find((x) => x.id === id);
    if (!t) {
      const known = triggers.map((x) => x.id).join(', ');
      throw ctx.invalid(
        `'${id}' is not an escalation trigger of the ${view.category ?? 'uncategorized'} category${known ? ` (it has: ${known})` : ''}`,
      );
    }
    return t;
  };
  const checkTrigger = (triggerId: string) => {
    caseWorkable();
    triggerOf(triggerId);
    if (view.escalationTriggers!.some((t) => t.id === triggerId))
      throw ctx.alreadyDone(`trigger '${triggerId}' is already flagged`);
    if (escalations.length >= MAX_ESCALATIONS) throw ctx.invalid(`a case has at most ${MAX_ESCALATIONS} escalations`);
  };
  const flagTrigger = (actor: Actor, triggerId: string, note?: string) => {
    const t = triggerOf(triggerId);
    view.escalationTriggers!.push({ id: t.id, label: t.label, by: actor.name, at: ctx.now() });
    return escalate(actor, t.severity, fromCase(t.label, note), 'trigger', { triggerId: t.id });
  };
  ctx.action<FlagTriggerInput>(
    flagEscalationTriggerUpdate,
    null,
    ({ triggerId }) => checkTrigger(triggerId),
    ({ actor, triggerId, note }) => flagTrigger(actor, triggerId, note),
  );
  // A trigger raised from outside (a dispute) escalates under the same rules; one that is already
  // flagged, or that the case cannot take, changes nothing.
  ctx.on('triggerRaised', ({ actor, triggerId, note }) => {
    try {
      checkTrigger(triggerId);
    } catch {
      return;
    }
    flagTrigger(actor, triggerId, note);
  });

  // ---- acknowledge, resolve, change severity ----
  ctx.action<AcknowledgeEscalationInput>(
    acknowledgeEscalationUpdate,
    null,
    ({ escalationId }) => {
      const esc = find(escalationId);
      if (esc.state !== 'open') throw ctx.alreadyDone(`${esc.id} is already ${esc.state}`);
    },
    ({ actor, escalationId }) => {
      const esc = find(escalationId);
      esc.state = 'acknowledged';
      esc.acknowledged = { by: actor.name, role: actor.role, at: ctx.now() };
      updateClock(ctx, `engineering_response:${esc.id}`, (c) => meetClock(c, Date.now()));
      // Acknowledged here, so PagerDuty stops re-notifying whoever it paged.
      pageEvents(esc, 'acknowledgePage');
      queueEffect(sla.effects, {
        kind: 'slackNotify',
        input: {
          channel,
          text: `[${esc.severity}] ${esc.title} (case ${input.caseId}, ${esc.id}) acknowledged by ${actor.name}`,
        },
      });
      ctx.record(actor, 'escalation_acknowledged', esc.id);
      return { escalationId: esc.id };
    },
  );

  ctx.action<ResolveEscalationInput>(
    resolveEscalationUpdate,
    null,
    ({ escalationId }) => {
      if (find(escalationId).state === 'resolved') throw ctx.alreadyDone(`${escalationId} is already resolved`);
    },
    ({ actor, escalationId, note }) => {
      const esc = find(escalationId);
      esc.state = 'resolved';
      esc.resolved = { by: actor.name, at: ctx.now(), ...(note ? { note } : {}) };
      updateClock(ctx, `engineering_response:${esc.id}`, (c) => meetClock(c, Date.now()));
      pageEvents(esc, 'resolvePage');
      ctx.record(actor, 'escalation_resolved', `${esc.id}${note ? `: ${note}` : ''}`);
      return { escalationId: esc.id };
    },
  );

  ctx.action<ChangeSeverityInput>(
    changeSeverityUpdate,
    null,
    ({ escalationId, severity, reason }) => {
      const esc = find(escalationId);
      if (esc.state === 'resolved') throw ctx.alreadyDone(`${esc.id} is resolved`);
      if (esc.severity === severity) throw ctx.invalid(`${esc.id} is already ${severity}`);
      severityDef(severity);
      if (!reason.trim()) throw ctx.invalid('changing severity needs a reason');
    },
    ({ actor, escalationId, severity, reason }) => {
      const esc = find(escalationId);
      const from = esc.severity;
      esc.severity = severity;
      retarget(ctx, `engineering_response:${esc.id}`, clockDef(ctx, 'engineering_response', severity));
      ctx.record(actor, 'severity_changed', `${esc.id} ${from} -> ${severity}: ${reason}`);
      if (esc.state === 'open') {
        // The ladder starts again at the new severity's first rung, notified now.
        if (!esc.channelAcks && ladderWaitsDiffer(input.policy, severityDef(severity)) && patched(CONTACTS_PATCH))
          esc.channelAcks = true;
        esc.ladderStartedAt = ctx.now();
        notifyRung(esc, 0);
      }
      return { escalationId: esc.id };
    },
  );

  // ---- automatic escalation ----
  if (!input.resume) {
    void (async () => {
      // The seed: "All technical issues -> Engineering", at the severity the policy gives the category.
      const category = () => input.policy.categories.find((c) => c.id === view.category);
      await condition(() => category()?.alwaysEscalate !== undefined && !es.technicalEscalated);
      await ctx.exclusive(() => {
        const cat = category();
        if (es.technicalEscalated || !cat?.alwaysEscalate || view.status === 'resolved' || view.status === 'closed')
          return;
        es.technicalEscalated = true;
        escalate(SYSTEM, cat.alwaysEscalate.severity, fromCase(cat.name), 'category');
        ctx.publish();
      });
    })();
  }
  ctx.on('statusChanged', ({ from, to }) => {
    if (
      (from === 'resolved' || from === 'closed') &&
      to === 'open' &&
      view.reopens > input.policy.reopen.maxReopensBeforeEscalation &&
      !es.reopensEscalated &&
      escalations.length < MAX_ESCALATIONS
    ) {
      es.reopensEscalated = true;
      escalate(
        SYSTEM,
        input.policy.sla?.reopenEscalationSeverity ?? 'P3',
        fromCase(`Reopened ${view.reopens} times`),
        'reopens',
      );
    }
  });
  // The customer heard from us: the follow-up promise is kept.
  ctx.on('agentResponse', () => {
    for (const esc of escalations) esc.followUp.customerUpdatedAt ??= ctx.now();
    bump(ctx);
  });

  // ---- what ops and the Web UI see ----
  const openSeverity = (): Severity | null => {
    const open = escalations
      .filter((e) => e.state !== 'resolved')
      .map((e) => e.severity)
      .sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b]);
    return open[0] ?? null;
  };
  const level = () =>
    Math.max(
      0,
      ...escalations.flatMap((e) => e.rungs.filter((r) => r.severity === e.severity).map((r) => r.index + 1)),
    );
  ctx.addPublisher({
    searchAttributes: () => [
      { key: CaseSeverityAttr, value: openSeverity() },
      { key: CaseEscalationLevelAttr, value: level() },
    ],
    details: () =>
      escalations
        .filter((e) => e.state !== 'resolved')
        .map((e) => {
          const rung = e.rungs.at(-1);
          return `**Escalation ${e.id}:** ${e.severity} ${e.state}${rung ? ` · rung ${rung.index + 1} ${rung.target} (${rung.state})` : ''}`;
        }),
    view: () => {
      view.severity = openSeverity();
      for (const e of escalations) {
        const last = e.rungs.at(-1);
        for (const r of e.rungs) {
          if (r === last && e.state === 'open') r.ackDueAt = new Date(ackDue(e, r)).toISOString();
          else delete r.ackDueAt;
        }
      }
    },
  });

  // ---- the timer: the next rung to climb to, or the next follow-up reminder ----
  type Due = { atMs: number; escalationId: string; what: 'climb' | 'followUp' };
  const nextDue = (): Due | null => {
    let best: Due | null = null;
    const consider = (d: Due) => {
      if (!best || d.atMs < best.atMs) best = d;
    };
    if (view.status === 'resolved' || view.status === 'closed') return null; // a resolved case stops climbing
    for (const e of escalations) {
      const last = e.rungs.at(-1);
      if (e.state === 'open' && !e.joined && last && last.index + 1 < severityDef(e.severity).ladder.length)
        consider({ atMs: ackDue(e, last), escalationId: e.id, what: 'climb' });
      if (!e.followUp.customerUpdatedAt && !e.followUp.remindedAt)
        consider({ atMs: Date.parse(e.followUp.dueAt), escalationId: e.id, what: 'followUp' });
    }
    return best;
  };
  const fire = (d: Due) => {
    const esc = escalations.find((e) => e.id === d.escalationId)!;
    if (d.what === 'climb') {
      const last = esc.rungs.at(-1)!;
      notifyRung(esc, last.index + 1);
    } else {
      esc.followUp.remindedAt = ctx.now();
      bump(ctx);
      ctx.record(
        SYSTEM,
        'follow_up_due',
        `${esc.id}: the customer was promised an update within ${esc.followUp.promised}`,
      );
      queueEffect(sla.effects, {
        kind: 'slackNotify',
        input: {
          channel,
          ...(view.assignee ? { mention: view.assignee.name } : {}),
          text: `Reminder: case ${input.caseId} (${esc.id}): the customer was promised an update within ${esc.followUp.promised}, and has not had one.`,
        },
      });
    }
    ctx.publish();
  };
  void (async () => {
    let planRev = -1;
    let plan: Due | null = null;
    const current = () => {
      if (planRev !== sla.rev) {
        planRev = sla.rev;
        plan = nextDue();
      }
      return plan;
    };
    const key = (d: Due | null) => (d ? `${d.escalationId}:${d.what}:${d.atMs}` : '');
    for (;;) {
      const d = current();
      const k = key(d);
      // The view's status also stops a ladder; the predicate notices it without a rev change.
      const moved = () => {
        if (view.status === 'resolved' || view.status === 'closed') planRev = -1;
        return key(current()) !== k;
      };
      if (!d) {
        await condition(moved);
        continue;
      }
      const wait = d.atMs - Date.now();
      if (
        wait > 0 &&
        (await condition(moved, wait, {
          summary:
            d.what === 'climb' ? `Escalation ${d.escalationId}: next rung` : `Escalation ${d.escalationId}: follow-up`,
        }))
      )
        continue;
      await ctx.exclusive(() => {
        if (key(nextDue()) === k) fire(d);
      });
      planRev = -1;
    }
  })();
}
