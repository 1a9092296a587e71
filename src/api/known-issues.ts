// Known issues at intake: a new case that could be part of an outage is matched against the open
// incidents (the known-issues list, from Temporal visibility) and opens linked to its known issue;
// then the incident desk hears of it (Signal-With-Start: no worker is needed to open a case), links
// it on the incident and counts it towards a burst. Cases that match no detection rule and do not
// check for known issues cost nothing here.
import type { Client } from '@temporalio/client';
import { incidentReportOf, knownIssueAmong, type CaseIncidentReport, type KnownIssue } from '../policy/incidents';
import type { Category, Severity, SupportPolicy } from '../policy/types';
import {
  caseReportedSignal,
  INCIDENT_DESK_WORKFLOW_ID,
  INCIDENT_DESK_WORKFLOW_TYPE,
  INCIDENT_WORKFLOW_TYPE,
  KNOWN_ISSUES_STEP,
  OPEN_INCIDENT_STATUSES,
  openingView,
  type CaseInput,
} from '../../workflows/contracts';

/** How long the known-issues list is reused between intakes. */
const LIST_TTL_MS = 1_000;
/** At most this many open incidents are matched against. */
const LIST_MAX = 200;

interface OpenIncident extends KnownIssue {
  severity: Severity;
  active: boolean;
}

/** Intake's view of the known issues, shared by every way a case opens (API, inbound e-mail). */
export function knownIssues(
  client: Client,
  taskQueue: string,
  opts: { burstDetection: boolean } = { burstDetection: true },
) {
  // The list is reused for a second (an outage's cases arrive by the dozen); this process's own
  // incident changes drop it at once, so a confirmation made here counts for the next case.
  let cached: { atMs: number; list: Promise<OpenIncident[]> } | undefined;
  const openIncidents = (): Promise<OpenIncident[]> => {
    if (cached && Date.now() - cached.atMs < LIST_TTL_MS) return cached.list;
    const list = fetchOpenIncidents();
    cached = { atMs: Date.now(), list };
    list.catch(() => (cached = undefined));
    return list;
  };
  /** The open incidents, from visibility (no worker needed). */
  const fetchOpenIncidents = async (): Promise<OpenIncident[]> => {
    const query = `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND IncidentStatus IN (${OPEN_INCIDENT_STATUSES.map((s) => `'${s}'`).join(', ')})`;
    const out: OpenIncident[] = [];
    for await (const wf of client.workflow.list({ query, pageSize: LIST_MAX })) {
      const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
      const category = sa.CaseCategory?.[0];
      out.push({
        incidentId: wf.workflowId.replace(/^incident-/, ''),
        title: String(wf.memo?.title ?? ''),
        severity: (wf.memo?.severity as Severity) ?? 'P1',
        // A confirmed incident's ladder runs; a suspected one's waits for a support lead.
        active: sa.IncidentStatus?.[0] !== 'suspected',
        ...(typeof category === 'string' && category !== 'any' ? { category: category as Category } : {}),
        ...(typeof wf.memo?.component === 'string' ? { component: wf.memo.component } : {}),
      });
      if (out.length >= LIST_MAX) break;
    }
    return out;
  };

  return {
    /** Forgets the list: an incident changed through this process. */
    changed(): void {
      cached = undefined;
    },
    /**
     * The case's input with its known issue, and the report for the desk; unchanged (and no report)
     * for a case that could not be part of an outage. A failing lookup opens the case unlinked.
     */
    async match(input: CaseInput, policy: SupportPolicy): Promise<{ input: CaseInput; report?: CaseIncidentReport }> {
      const view = openingView(input, Date.now());
      const report = incidentReportOf(policy, {
        caseId: input.caseId,
        category: view.category,
        subject: input.subject,
        description: input.description,
        checksKnownIssues: view.checklist.some((s) => s.id === KNOWN_ISSUES_STEP),
      });
      if (!report) return { input };
      const list = await openIncidents().catch(() => [] as OpenIncident[]);
      const known = knownIssueAmong(list, report);
      if (!known) return { input, report };
      return {
        input: {
          ...input,
          knownIssue: {
            incidentId: known.incidentId,
            title: known.title,
            severity: known.severity,
            active: known.active,
          },
        },
        report,
      };
    },

    /** Tells the desk of a case that has opened; a failure only means the case is not counted. */
    async report(report: CaseIncidentReport, linkedTo?: string): Promise<void> {
      // Without burst detection the desk only needs the cases intake linked.
      if (!opts.burstDetection && !linkedTo) return;
      await client.workflow.signalWithStart(INCIDENT_DESK_WORKFLOW_TYPE, {
        workflowId: INCIDENT_DESK_WORKFLOW_ID,
        taskQueue,
        args: [{}],
        signal: caseReportedSignal,
        signalArgs: [{ report, ...(linkedTo ? { linkedTo } : {}) }],
        staticSummary: 'Incident desk: known issues and bursts of similar cases',
      });
    },
  };
}

/** Intake's known issues. */
export type KnownIssues = ReturnType<typeof knownIssues>;
