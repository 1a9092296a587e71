// The incident desk: one long-running workflow that every case which could be part of an outage
// reports to at intake. It links a case to the open incident that is its known issue, counts
// bursts of similar cases per detection rule, and opens a suspected incident when a rule's
// threshold is crossed within its window (a support lead then confirms or dismisses it). It holds
// case ids and rule ids only: personal data stays on the cases.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  isKnownIssueOf,
  knownIssueAmong,
  type CaseIncidentReport,
  type DetectionRuleRef,
} from '../../src/policy/incidents';
import type { Actor } from '../case/state';
import {
  deskLinkSignal,
  deskViewQuery,
  incidentChangedSignal,
  incidentWorkflowId,
  caseReportedSignal,
  DESK,
  type DeskIncident,
  type IncidentDeskInput,
  type IncidentDeskState,
  type IncidentInput,
} from './contract';
import { OPEN_INCIDENT_STATUSES } from './state';
import type { incidentWorkflow } from './workflow';

const { notifyIncidentCases } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/** Reports kept to propose a newly opened incident to the cases it matches. */
const RECENT_KEEP = 500;
const RECENT_MINUTES = 120;
const MINUTE = 60_000;
const ID_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Workflow type of the incident desk. */
export async function incidentDeskWorkflow(input: IncidentDeskInput = {}): Promise<void> {
  const state: IncidentDeskState = input.resume ?? { incidents: [], windows: {}, recent: [], opened: 0 };
  /** Work the handlers queue for the main loop: starting incidents, links, proposals. */
  const todo: (
    | { kind: 'open'; incident: IncidentInput }
    | { kind: 'link'; incidentId: string; caseIds: string[] }
    | { kind: 'propose'; incident: DeskIncident; caseIds: string[] }
  )[] = [];

  setHandler(deskViewQuery, () => state);

  const openIncidents = () => state.incidents.filter((i) => OPEN_INCIDENT_STATUSES.includes(i.status));
  const knownIssueOf = (r: CaseIncidentReport): DeskIncident | undefined => knownIssueAmong(openIncidents(), r);

  const newIncidentId = () => {
    const hex = uuid4().replace(/-/g, '');
    let id = '';
    for (let i = 0; i < 8; i++) id += ID_LETTERS[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % ID_LETTERS.length];
    return `INC-${id}`;
  };

  const suspect = (rule: DetectionRuleRef, caseIds: string[]): DeskIncident => {
    const incidentId = newIncidentId();
    const incident: DeskIncident = {
      incidentId,
      title: rule.title,
      severity: rule.severity,
      status: 'suspected',
      ...(rule.category ? { category: rule.category } : {}),
      component: rule.component,
      active: false,
      acknowledged: false,
    };
    state.incidents.push(incident);
    state.opened++;
    todo.push({
      kind: 'open',
      incident: {
        incidentId,
        title: rule.title,
        severity: rule.severity,
        area: { ...(rule.category ? { category: rule.category } : {}), component: rule.component },
        openedBy: DESK,
        suspected: true,
        initialCases: caseIds,
        detection: { ruleId: rule.id, cases: caseIds.length, windowMinutes: rule.windowMinutes },
      },
    });
    return incident;
  };

  setHandler(caseReportedSignal, ({ report: r, linkedTo }) => {
    if (!r || typeof r.caseId !== 'string' || !Array.isArray(r.rules) || !Array.isArray(r.words)) return;
    const now = Date.now();
    state.recent.push({ ...r, atMs: now });
    const keepAfter = now - RECENT_MINUTES * MINUTE;
    state.recent = state.recent.filter((x) => x.atMs >= keepAfter).slice(-RECENT_KEEP);
    // Intake linked it (the case opened linked), or the desk knows an open incident intake missed.
    const known = linkedTo ? state.incidents.find((i) => i.incidentId === linkedTo) : knownIssueOf(r);
    if (linkedTo || known) {
      todo.push({ kind: 'link', incidentId: linkedTo ?? known!.incidentId, caseIds: [r.caseId] });
      return;
    }
    for (const rule of r.rules) {
      if (rule.category && r.category !== rule.category) continue;
      const since = now - rule.windowMinutes * MINUTE;
      const window = (state.windows[rule.id] ?? []).filter((x) => x.atMs >= since && x.caseId !== r.caseId);
      window.push({ caseId: r.caseId, atMs: now });
      state.windows[rule.id] = window.slice(-Math.max(rule.threshold * 4, 50));
      if (window.length >= rule.threshold) {
        // The burst becomes a suspected incident with its cases linked; the window starts again.
        suspect(
          rule,
          window.map((x) => x.caseId),
        );
        state.windows[rule.id] = [];
        return;
      }
    }
  });

  setHandler(incidentChangedSignal, (i) => {
    const known = state.incidents.find((x) => x.incidentId === i.incidentId);
    if (!OPEN_INCIDENT_STATUSES.includes(i.status)) {
      state.incidents = state.incidents.filter((x) => x.incidentId !== i.incidentId);
      return;
    }
    if (known) return void Object.assign(known, i);
    state.incidents.push({ ...i });
    // A new incident opened by staff: propose it to the recent cases it is the known issue of.
    const caseIds = state.recent.filter((r) => isKnownIssueOf(i, r)).map((r) => r.caseId);
    if (caseIds.length) todo.push({ kind: 'propose', incident: { ...i }, caseIds: [...new Set(caseIds)] });
  });

  for (;;) {
    await condition(() => todo.length > 0 || workflowInfo().continueAsNewSuggested);
    while (todo.length > 0) {
      const job = todo[0];
      if (job.kind === 'open') {
        await startChild<typeof incidentWorkflow>('incidentWorkflow', {
          workflowId: incidentWorkflowId(job.incident.incidentId),
          args: [job.incident],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          memo: {
            title: job.incident.title,
            severity: job.incident.severity,
            ...(job.incident.area.component ? { component: job.incident.area.component } : {}),
          },
          staticSummary: `Incident ${job.incident.incidentId} · ${job.incident.severity} · suspected`,
        });
      } else if (job.kind === 'link') {
        // Consecutive links to the same incident go as one signal.
        const caseIds = [...job.caseIds];
        while (todo[1]?.kind === 'link' && todo[1].incidentId === job.incidentId) {
          caseIds.push(...(todo[1] as { caseIds: string[] }).caseIds);
          todo.splice(1, 1);
        }
        try {
          await getExternalWorkflowHandle(incidentWorkflowId(job.incidentId)).signal(deskLinkSignal, { caseIds });
        } catch {
          // The incident ended meanwhile: the cases simply are not linked.
          state.incidents = state.incidents.filter((x) => x.incidentId !== job.incidentId);
        }
      } else {
        await notifyIncidentCases({
          notice: {
            incidentId: job.incident.incidentId,
            title: job.incident.title,
            kind: 'proposed',
            severity: job.incident.severity,
          },
          caseIds: job.caseIds,
        });
      }
      todo.shift();
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (todo.length === 0) return continueAsNew<typeof incidentDeskWorkflow>({ resume: state });
    }
  }
}
