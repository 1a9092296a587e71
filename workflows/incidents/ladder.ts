// An incident's own notifications, one set per outage whatever the number of linked cases: its
// Slack thread in #support-escalations (everything is a reply in it), its ladder (the severity's
// rungs, each waiting its channel's acknowledgement time, PagerDuty paged once per rung with the
// dedup key `incident-<id>:rung-<k>`), and what it tells the incident desk. The workflow queues
// them as jobs in order and runs them as activities; a failure is recorded, and the ladder goes on.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { IncidentEscalation } from '../../src/policy/incidents';
import { SYSTEM } from '../case/context';
import type { Actor } from '../case/state';
import type { DeskIncident, IncidentInput } from './contract';
import type { IncidentView } from './state';

// Like a case's ladder: an hour of retries, then recorded as failed.
const {
  postIncidentThread,
  replyInIncidentThread,
  tellIncidentDesk,
  pageOnCall,
  acknowledgePage,
  resolvePage,
  sendStaffEmail,
} = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const PAGE_SEVERITY = { P0: 'critical', P1: 'error', P2: 'warning', P3: 'info' } as const;
const MINUTE = 60_000;

/** The incident's own notifications and ladder; `v2` false (incidents started before them): none. */
export function incidentNotifications(d: {
  input: IncidentInput;
  view: IncidentView;
  v2: boolean;
  record: (actor: Actor, action: string, detail?: string) => void;
  isOpen: () => boolean;
  now: () => string;
  /** The ladder of the incident's severity (kept across continue-as-new in the input). */
  escalation?: IncidentEscalation;
}) {
  const { input, view, v2, record, isOpen, now } = d;
  let escalation = d.escalation;
  /** The incident's own notifications (Slack thread, pages, e-mails, the desk), in order; v2 only. */
  type Job =
    | { kind: 'thread'; text: string }
    | { kind: 'reply'; text: string }
    | { kind: 'page'; rungK: number; summary: string }
    | { kind: 'pages'; action: 'acknowledge' | 'resolve' }
    | { kind: 'email'; rungK: number; to: string; subject: string; text: string }
    | { kind: 'desk' };
  const jobs: Job[] = [];
  const ackHint = () => `Acknowledge: POST /incidents/${input.incidentId}/ack`;
  const headline = () => `[${view.severity}] Incident ${input.incidentId}: ${view.title}`;
  const deskEntry = (): DeskIncident => ({
    incidentId: input.incidentId,
    title: view.title,
    severity: view.severity,
    status: view.status,
    ...(view.area.category ? { category: view.area.category } : {}),
    ...(view.area.component ? { component: view.area.component } : {}),
    active: view.ladder !== undefined,
    acknowledged: view.ladder?.acknowledged !== undefined,
  });
  const tellDesk = () => {
    if (v2 && !jobs.some((j) => j.kind === 'desk')) jobs.push({ kind: 'desk' });
  };
  const reply = (text: string) => {
    if (v2) jobs.push({ kind: 'reply', text });
  };
  // ---- the ladder: one per outage, whatever the number of linked cases ----
  const notifyRung = (index: number) => {
    const ladder = view.ladder!;
    const rung = escalation!.rungs[index];
    if (!rung) return;
    const k = ladder.rungs.length + 1;
    const startedAt = now();
    ladder.rungs.push({
      k,
      index,
      via: rung.via,
      target: rung.target,
      ...(rung.contact ? { contact: rung.contact } : {}),
      startedAt,
      ackDueAt: new Date(Date.now() + rung.ackMinutes * MINUTE).toISOString(),
      ...(rung.via === 'pagerduty' ? { dedupKey: `incident-${input.incidentId}:rung-${k}` } : {}),
      state: 'pending',
    });
    const prev = index > 0 ? escalation!.rungs[index - 1] : undefined;
    const waited = prev ? ` Not acknowledged within ${prev.ackMinutes} minutes by ${prev.target}.` : '';
    const cases = `${view.linkedCases.length} linked case${view.linkedCases.length === 1 ? '' : 's'}`;
    if (rung.via === 'pagerduty')
      jobs.push({ kind: 'page', rungK: k, summary: `${headline()} (${cases}): ${rung.target}.${waited}` });
    if (rung.via === 'email' && rung.contact)
      jobs.push({
        kind: 'email',
        rungK: k,
        to: rung.contact,
        subject: `INCIDENT ${headline()}`,
        text: `${rung.target},\n\n${headline()} needs an engineer.${waited}\n\nArea: ${[view.area.category, view.area.component].filter(Boolean).join(' / ')}\nLinked cases: ${view.linkedCases.length}\n\n${ackHint()}\n`,
      });
    reply(`Rung ${k}: ${rung.via} ${rung.target} (${cases}).${waited} ${ackHint()}`);
    record(SYSTEM, 'ladder_rung', `rung ${k}: ${rung.via} ${rung.target}`);
  };
  const startLadder = () => {
    if (!v2 || !escalation || view.ladder) return;
    view.ladder = { severity: view.severity, startedAt: now(), rungs: [] };
    notifyRung(0);
  };
  const ladderDueMs = (): number | null => {
    const ladder = view.ladder;
    const last = ladder?.rungs.at(-1);
    if (!ladder || ladder.acknowledged || !last || !escalation || !isOpen()) return null;
    if (last.index + 1 >= escalation.rungs.length) return null;
    return Date.parse(last.ackDueAt!);
  };

  /** Runs one of the incident's own notifications; a failure is recorded, and the ladder goes on. */
  const runJob = async (job: Job) => {
    try {
      switch (job.kind) {
        case 'thread':
          view.slack = await postIncidentThread({
            incidentId: input.incidentId,
            text: job.text,
            ...(escalation ? { channel: escalation.channel } : {}),
          });
          break;
        case 'reply':
          if (view.slack) await replyInIncidentThread({ ...view.slack, text: job.text });
          break;
        case 'page': {
          const rung = view.ladder!.rungs.find((r) => r.k === job.rungK)!;
          await pageOnCall({
            dedupKey: rung.dedupKey!,
            summary: job.summary,
            severity: PAGE_SEVERITY[view.severity],
            source: 'support-case-orchestrator',
            customDetails: {
              incidentId: input.incidentId,
              rung: rung.k,
              target: rung.target,
              linkedCases: view.linkedCases.length,
              acknowledge: ackHint(),
            },
            ...(escalation
              ? {
                  links: [
                    {
                      href: `${escalation.publicBaseUrl}/incidents/${input.incidentId}`,
                      text: `Incident ${input.incidentId}`,
                    },
                  ],
                }
              : {}),
          });
          rung.state = 'notified';
          break;
        }
        case 'pages': {
          const keys = view.ladder?.rungs.flatMap((r) => (r.dedupKey ? [r.dedupKey] : [])) ?? [];
          if (keys.length) {
            const pageKeys = { dedupKey: keys[0], ...(keys.length > 1 ? { more: keys.slice(1) } : {}) };
            await (job.action === 'acknowledge' ? acknowledgePage(pageKeys) : resolvePage(pageKeys));
          }
          break;
        }
        case 'email': {
          await sendStaffEmail({
            key: `incident-${input.incidentId}:rung-${job.rungK}`,
            caseId: input.incidentId,
            kind: 'incident_rung',
            to: job.to,
            subject: job.subject,
            text: job.text,
          });
          const rung = view.ladder!.rungs.find((r) => r.k === job.rungK);
          if (rung) rung.state = 'notified';
          break;
        }
        case 'desk':
          await tellIncidentDesk(deskEntry());
          break;
      }
    } catch (err) {
      if (job.kind === 'page' || job.kind === 'email') {
        const rung = view.ladder?.rungs.find((r) => r.k === job.rungK);
        if (rung) rung.state = 'failed';
      }
      record(
        SYSTEM,
        'notification_failed',
        `${job.kind}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300),
      );
    }
  };

  return {
    /** Jobs waiting to run, in order. */
    jobs,
    headline,
    tellDesk,
    reply,
    startLadder,
    ladderDueMs,
    /** The incident's Slack thread (its first post). */
    thread(text: string) {
      if (v2) jobs.push({ kind: 'thread', text });
    },
    /** Acknowledges or resolves every page of the ladder at PagerDuty. */
    pages(action: 'acknowledge' | 'resolve') {
      if (v2 && view.ladder?.rungs.some((r) => r.dedupKey)) jobs.push({ kind: 'pages', action });
    },
    /** The next rung, once the last one's wait is over. */
    climb() {
      notifyRung(view.ladder!.rungs.at(-1)!.index + 1);
    },
    setEscalation(e: IncidentEscalation) {
      escalation = e;
    },
    escalation: () => escalation,
    /** Runs the queued jobs in order. */
    async runAll() {
      while (jobs.length > 0) {
        await runJob(jobs[0]);
        jobs.shift();
      }
    },
  };
}
