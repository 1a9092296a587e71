// One incident: an outage or known issue that many cases link to. It decides its status and its
// public updates; telling the linked customers is an activity that signals each case, and each
// case sends its e-mail once per update, however often the fan-out is retried.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Actor } from '../case/state';
import { actionKeyQuery, CaseCategoryAttr, inputFingerprint } from '../case/contract';
import {
  addIncidentNoteUpdate,
  IncidentFailure,
  IncidentStatusAttr,
  incidentViewQuery,
  linkIncidentCasesUpdate,
  postIncidentUpdateUpdate,
  resolveIncidentUpdate,
  setIncidentStatusUpdate,
  type IncidentInput,
  type IncidentNoticeInput,
} from './contract';
import { OPEN_INCIDENT_STATUSES, type IncidentStatus, type IncidentView } from './state';

const { notifyIncidentCases } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

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

  if (!input.resume) {
    record(input.openedBy, input.suspected ? 'suspected' : 'opened', `${input.severity}: ${input.title}`);
    publish();
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
      record(
        actor,
        from === 'suspected' ? (status === 'dismissed' ? 'dismissed' : 'confirmed') : 'status_changed',
        `${from} -> ${status}${note ? `: ${note}` : ''}`,
      );
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
      if (added.length)
        outbox.push({ notice: { incidentId: input.incidentId, title: view.title, kind: 'linked' }, caseIds: added });
      if (removed.length)
        outbox.push({
          notice: { incidentId: input.incidentId, title: view.title, kind: 'unlinked' },
          caseIds: removed,
        });
      return view;
    },
    {
      validator: ({ link = [], unlink = [] }) => {
        requireOpen();
        if (!link.length && !unlink.length) throw invalid('name cases to link or unlink');
        const bad = [...link, ...unlink].find((id) => !CASE_ID.test(id));
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
    outbox.push({
      notice: { incidentId: input.incidentId, title: view.title, kind, n, text, severity: view.severity },
      caseIds: [...view.linkedCases],
      update: n,
    });
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
      postUpdate(actor, fix, 'resolved', 'resolved');
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

  // The fan-out: one activity per notice, signalling its cases with bounded concurrency. Each case
  // keys the notice by incident and update number, so a retried activity tells nobody twice.
  for (;;) {
    await condition(() => outbox.length > 0 || !isOpen() || workflowInfo().continueAsNewSuggested);
    while (outbox.length > 0) {
      const item = outbox[0];
      const { told } = await notifyIncidentCases({ notice: item.notice, caseIds: item.caseIds });
      if (item.update !== undefined) view.updates[item.update - 1].notified = told;
      outbox.shift();
    }
    if (!isOpen()) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (outbox.length === 0) return continueAsNew<typeof incidentWorkflow>({ ...input, resume: view });
    }
  }
  return view;
}
