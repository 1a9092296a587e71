// One incident: an outage or known issue that many cases link to. It decides its status and its
// public updates; telling the linked customers is an activity that signals each case, and each
// case sends its e-mail once per update, however often the fan-out is retried.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Actor } from '../case/state';
import { SYSTEM } from '../case/context';
import { actionKeyQuery, CaseCategoryAttr, inputFingerprint } from '../case/contract';
import {
  acknowledgeIncidentUpdate,
  addIncidentNoteUpdate,
  DESK,
  deskLinkSignal,
  incidentProposerName,
  IncidentFailure,
  IncidentStatusAttr,
  incidentViewQuery,
  linkIncidentCasesUpdate,
  postIncidentUpdateUpdate,
  resolveIncidentUpdate,
  setIncidentStatusUpdate,
  type DeskIncident,
  type IncidentInput,
  type IncidentNoticeInput,
} from './contract';
import { incidentNotifications } from './ladder';
import { OPEN_INCIDENT_STATUSES, type IncidentStatus, type IncidentView } from './state';

const { notifyIncidentCases } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // A worker that dies mid fan-out is noticed within seconds; the retry goes on from its heartbeat.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/**
 * Incidents started before this have no ladder, no Slack thread, no desk and no opt-outs: their
 * histories (test/replay/histories/incident-update-resolved.json) replay unchanged.
 */
export const INCIDENT_LADDER_PATCH = 'incident-ladder-and-desk';

/** Statuses an incident may move to from each status (resolve and dismiss have their own ways). */
const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  suspected: ['investigating', 'dismissed'],
  investigating: ['identified', 'monitoring'],
  identified: ['monitoring', 'investigating'],
  monitoring: ['investigating', 'identified'],
  resolved: [],
  dismissed: [],
};
/** How many cases one incident links. */
const MAX_LINKED_CASES = 5_000;
const CASE_ID = /^ES-[A-Z0-9]{10}$/;

const invalid = (message: string) =>
  ApplicationFailure.create({ type: IncidentFailure.InvalidIncidentAction, message, nonRetryable: true });
const forbidden = (message: string) =>
  ApplicationFailure.create({ type: IncidentFailure.IncidentStatusForbids, message, nonRetryable: true });

/** Workflow type of an incident. */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentView> {
  const v2 = patched(INCIDENT_LADDER_PATCH);
  const now = () => new Date(Date.now()).toISOString();
  const view: IncidentView = input.resume ?? {
    incidentId: input.incidentId,
    title: input.title,
    severity: input.severity,
    area: input.area,
    status: input.suspected ? 'suspected' : 'investigating',
    publicSummary: input.publicSummary ?? '',
    notes: [],
    linkedCases: [],
    updates: [],
    timeline: [],
    openedAt: workflowInfo().startTime.toISOString(),
    ...(input.detection ? { detection: input.detection } : {}),
  };
  const record = (actor: Actor, action: string, detail?: string) => {
    view.timeline.push({
      seq: (view.timeline.at(-1)?.seq ?? 0) + 1,
      at: now(),
      actor,
      action,
      ...(detail ? { detail } : {}),
    });
    if (view.timeline.length > 500) view.timeline.splice(0, view.timeline.length - 500);
  };
  const isOpen = () => OPEN_INCIDENT_STATUSES.includes(view.status);
  const publish = () =>
    upsertSearchAttributes([
      { key: IncidentStatusAttr, value: view.status },
      { key: CaseCategoryAttr, value: view.area.category ?? 'any' },
    ]);
  /** Notices waiting to be fanned out, in order; the loop below sends them. */
  const outbox: { notice: IncidentNoticeInput; caseIds: string[]; update?: number }[] = [];
  // The incident's own notifications and its ladder (ladder.ts), v2 only.
  const own = incidentNotifications({ input, view, v2, record, isOpen, now, escalation: input.escalation });
  const { tellDesk, reply, startLadder, ladderDueMs, headline } = own;
  /** The linked-cases notice, with the state a case needs to join the incident's ladder. */
  const linkedNotice = (): IncidentNoticeInput => ({
    incidentId: input.incidentId,
    title: view.title,
    kind: 'linked',
    severity: view.severity,
    ...(v2 ? { active: view.ladder !== undefined, acknowledged: view.ladder?.acknowledged !== undefined } : {}),
  });

  if (!input.resume) {
    record(input.openedBy, input.suspected ? 'suspected' : 'opened', `${input.severity}: ${input.title}`);
    publish();
    if (v2) {
      own.thread(
        input.suspected
          ? `Suspected incident ${input.incidentId}: ${input.title} (${input.severity})${input.detection ? `: ${input.detection.cases} similar cases within ${input.detection.windowMinutes} minutes` : ''}. A support lead confirms it (POST /incidents/${input.incidentId}/status {"status":"investigating"}) or dismisses it ({"status":"dismissed"}).`
          : `${headline()} opened by ${input.openedBy.name}. Linked cases follow in this thread.`,
      );
      tellDesk();
      if (input.initialCases?.length) {
        view.linkedCases = input.initialCases.filter((id) => CASE_ID.test(id)).slice(0, MAX_LINKED_CASES);
        record(input.openedBy, 'cases_linked', view.linkedCases.join(', '));
        reply(view.linkedCases.map((id) => `Case ${id} linked`).join('\n'));
      }
      if (!input.suspected) startLadder();
      if (view.linkedCases.length) outbox.push({ notice: linkedNotice(), caseIds: [...view.linkedCases] });
    }
  }
  setHandler(incidentViewQuery, () => view);
  // Idempotency-Keys (Update ids `<caller>:<key>`) this run has seen, so the API can tell a retry
  // from a key reused with another body; bounded, and an incident rarely continues as new.
  const keys: { id: string; fp: string }[] = [];
  setHandler(actionKeyQuery, (id) => keys.find((k) => k.id === id) ?? null);
  const remember = (i: unknown) => {
    const id = currentUpdateInfo()?.id;
    if (!id || !id.includes(':')) return;
    keys.push({ id, fp: inputFingerprint(i) });
    if (keys.length > 500) keys.shift();
  };

  const requireOpen = () => {
    if (!isOpen()) throw forbidden(`the incident is ${view.status}`);
  };

  setHandler(
    setIncidentStatusUpdate,
    (i) => {
      remember(i);
      const { actor, status, note } = i;
      const from = view.status;
      view.status = status;
      if (v2 && from === 'suspected' && status !== 'dismissed') {
        if (i.severity && i.severity !== view.severity) {
          record(actor, 'severity_changed', `${view.severity} -> ${i.severity}`);
          view.severity = i.severity;
          upsertMemo({ severity: view.severity }); // the known-issues list reads it
        }
        if (i.escalation) own.setEscalation(i.escalation);
      }
      record(
        actor,
        from === 'suspected' ? (status === 'dismissed' ? 'dismissed' : 'confirmed') : 'status_changed',
        `${from} -> ${status}${note ? `: ${note}` : ''}`,
      );
      if (v2 && from === 'suspected') {
        reply(
          status === 'dismissed'
            ? `Dismissed by ${actor.name}${note ? `: ${note}` : ''}`
            : `Confirmed at ${view.severity} by ${actor.name}`,
        );
        if (status === 'dismissed' && view.linkedCases.length)
          // Not an incident after all: its cases are theirs alone again.
          outbox.push({
            notice: { incidentId: input.incidentId, title: view.title, kind: 'unlinked' },
            caseIds: [...view.linkedCases],
          });
        if (status !== 'dismissed') {
          startLadder();
          if (view.linkedCases.length)
            outbox.push({
              notice: { incidentId: input.incidentId, title: view.title, kind: 'active', severity: view.severity },
              caseIds: [...view.linkedCases],
            });
        }
      }
      tellDesk();
      publish();
      return view;
    },
    {
      validator: ({ status }) => {
        requireOpen();
        if (!NEXT[view.status].includes(status))
          throw invalid(`an incident cannot go from ${view.status} to ${status}`);
      },
    },
  );

  setHandler(
    addIncidentNoteUpdate,
    (i) => {
      remember(i);
      const { actor, text } = i;
      view.notes.push({ at: now(), by: actor.name, text });
      if (view.notes.length > 200) view.notes.splice(0, view.notes.length - 200);
      record(actor, 'note_added');
      return view;
    },
    {
      validator: ({ text }) => {
        if (!text?.trim()) throw invalid('a note needs a text');
      },
    },
  );

  setHandler(
    linkIncidentCasesUpdate,
    (i) => {
      remember(i);
      const { actor, link = [], unlink = [] } = i;
      const added = link.filter((id) => !view.linkedCases.includes(id));
      const removed = unlink.filter((id) => view.linkedCases.includes(id));
      view.linkedCases = [...view.linkedCases.filter((id) => !removed.includes(id)), ...added];
      if (added.length) record(actor, 'cases_linked', added.join(', '));
      if (removed.length) record(actor, 'cases_unlinked', removed.join(', '));
      if (v2 && (i.optOut?.length || i.optIn?.length)) {
        const out = new Set(view.optedOut ?? []);
        for (const id of i.optOut ?? []) if (view.linkedCases.includes(id)) out.add(id);
        for (const id of [...(i.optIn ?? []), ...removed]) out.delete(id);
        view.optedOut = [...out];
        if (i.optOut?.length) record(actor, 'cases_opted_out', i.optOut.join(', '));
        if (i.optIn?.length) record(actor, 'cases_opted_in', i.optIn.join(', '));
      }
      if (added.length) reply(added.map((id) => `Case ${id} linked by ${actor.name}`).join('\n'));
      if (added.length) outbox.push({ notice: linkedNotice(), caseIds: added });
      if (removed.length)
        outbox.push({
          notice: { incidentId: input.incidentId, title: view.title, kind: 'unlinked' },
          caseIds: removed,
        });
      return view;
    },
    {
      validator: ({ link = [], unlink = [], optOut = [], optIn = [] }) => {
        requireOpen();
        if (!link.length && !unlink.length && !optOut.length && !optIn.length)
          throw invalid('name cases to link, unlink, opt out or opt in');
        const bad = [...link, ...unlink, ...optOut, ...optIn].find((id) => !CASE_ID.test(id));
        const notLinked = optOut.find((id: string) => !view.linkedCases.includes(id) && !link.includes(id));
        if (notLinked) throw invalid(`case ${notLinked} is not linked to the incident: link it before opting it out`);
        if (bad) throw invalid(`'${String(bad).slice(0, 40)}' is not a case id`);
        if (new Set([...view.linkedCases, ...link]).size > MAX_LINKED_CASES)
          throw invalid(`an incident links at most ${MAX_LINKED_CASES} cases`);
      },
    },
  );

  const postUpdate = (actor: Actor, text: string, status: IncidentStatus, kind: 'update' | 'resolved') => {
    const n = view.updates.length + 1;
    view.updates.push({ n, at: now(), by: actor.name, text, status, notified: 0, cases: view.linkedCases.length });
    record(actor, kind === 'resolved' ? 'resolved' : 'update_posted', `#${n} to ${view.linkedCases.length} cases`);
    const notice: IncidentNoticeInput = {
      incidentId: input.incidentId,
      title: view.title,
      kind,
      n,
      text,
      severity: view.severity,
    };
    if (v2 && kind === 'resolved') {
      // Resolving the outage resolves its cases (Issue Resolved), except those an agent opted out.
      const out = new Set(view.optedOut ?? []);
      const resolving = view.linkedCases.filter((id) => !out.has(id));
      const kept = view.linkedCases.filter((id) => out.has(id));
      const by = { id: actor.id, name: incidentProposerName(input.incidentId), role: actor.role };
      if (resolving.length)
        outbox.push({
          notice: { ...notice, actor: by, ...(view.compensate ? { compensate: view.compensate } : {}) },
          caseIds: resolving,
          update: n,
        });
      if (kept.length) outbox.push({ notice: { ...notice, optedOut: true }, caseIds: kept, update: n });
      return;
    }
    outbox.push({ notice, caseIds: [...view.linkedCases], update: n });
  };

  setHandler(
    postIncidentUpdateUpdate,
    (i) => {
      remember(i);
      const { actor, text, status } = i;
      if (status && status !== view.status) {
        record(actor, 'status_changed', `${view.status} -> ${status}`);
        view.status = status;
      }
      view.publicSummary = text;
      postUpdate(actor, text, view.status, 'update');
      publish();
      return view;
    },
    {
      validator: ({ text, status }) => {
        requireOpen();
        if (view.status === 'suspected') throw forbidden('confirm the suspected incident before telling customers');
        if (!text?.trim()) throw invalid('an update needs a public text');
        if (status && status !== view.status && !NEXT[view.status].includes(status))
          throw invalid(`an incident cannot go from ${view.status} to ${status}`);
      },
    },
  );

  setHandler(
    resolveIncidentUpdate,
    (i) => {
      remember(i);
      const { actor, fix } = i;
      view.status = 'resolved';
      view.resolvedAt = now();
      view.fix = fix;
      if (v2 && i.compensate) view.compensate = i.compensate;
      postUpdate(actor, fix, 'resolved', 'resolved');
      own.pages('resolve');
      reply(`Resolved by ${actor.name}: ${fix}`);
      tellDesk();
      publish();
      return view;
    },
    {
      validator: ({ fix }) => {
        requireOpen();
        if (view.status === 'suspected')
          throw forbidden('a suspected incident is confirmed or dismissed, not resolved');
        if (!fix?.trim()) throw invalid('resolving needs the fix, in words customers can read');
      },
    },
  );

  if (v2) {
    setHandler(
      acknowledgeIncidentUpdate,
      (i) => {
        remember(i);
        const ladder = view.ladder!;
        const via = i.actor.name.endsWith('(PagerDuty)')
          ? 'pagerduty'
          : i.actor.name.endsWith('(Slack)')
            ? 'slack'
            : 'api';
        ladder.acknowledged = { by: i.actor.name, at: now(), via };
        record(i.actor, 'acknowledged', `rung ${ladder.rungs.at(-1)?.k ?? 0}`);
        own.pages('acknowledge');
        reply(`Acknowledged by ${i.actor.name}: every linked case's engineering clock stops.`);
        if (view.linkedCases.length)
          outbox.push({
            notice: { incidentId: input.incidentId, title: view.title, kind: 'acknowledged', by: i.actor.name },
            caseIds: [...view.linkedCases],
          });
        tellDesk();
        publish();
        return view;
      },
      {
        validator: (_i) => {
          requireOpen();
          if (!view.ladder) throw forbidden('the incident has no ladder running: confirm it first');
          if (view.ladder.acknowledged) throw forbidden(`already acknowledged by ${view.ladder.acknowledged.by}`);
        },
      },
    );
    // Cases the desk linked at intake: they know, but they still hear the incident's state.
    setHandler(deskLinkSignal, ({ caseIds }) => {
      if (!isOpen()) return;
      const added = (Array.isArray(caseIds) ? caseIds : [])
        .filter((id) => typeof id === 'string' && CASE_ID.test(id) && !view.linkedCases.includes(id))
        .slice(0, Math.max(0, MAX_LINKED_CASES - view.linkedCases.length));
      if (!added.length) return;
      view.linkedCases.push(...added);
      record(DESK, 'cases_linked', `${added.join(', ')} (at intake)`);
      reply(added.map((id) => `Case ${id} linked at intake`).join('\n'));
      outbox.push({ notice: linkedNotice(), caseIds: added });
    });
  }

  // The fan-out: one activity per notice, signalling its cases with bounded concurrency. Each case
  // keys the notice by incident and update number, so a retried activity tells nobody twice.
  for (;;) {
    const due = ladderDueMs();
    const ready = () =>
      outbox.length > 0 ||
      own.jobs.length > 0 ||
      !isOpen() ||
      workflowInfo().continueAsNewSuggested ||
      ladderDueMs() !== due;
    if (due === null) await condition(ready);
    else if (!(await condition(ready, Math.max(0, due - Date.now()), { summary: 'Incident ladder: next rung' }))) {
      own.climb();
      publish();
    }
    while (own.jobs.length > 0 || outbox.length > 0) {
      // The incident's own notifications first (the Slack thread exists before its replies).
      await own.runAll();
      if (outbox.length > 0) {
        const item = outbox[0];
        const { told } = await notifyIncidentCases({ notice: item.notice, caseIds: item.caseIds });
        if (item.update !== undefined) view.updates[item.update - 1].notified += told;
        outbox.shift();
      }
    }
    if (!isOpen()) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (outbox.length === 0 && own.jobs.length === 0) {
        const escalation = own.escalation();
        return continueAsNew<typeof incidentWorkflow>({
          ...input,
          ...(escalation ? { escalation } : {}),
          resume: view,
        });
      }
    }
  }
  return view;
}
