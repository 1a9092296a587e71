// The incident workflow's contract: its id, input, Updates, query and search attributes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../case/state';
import type { CaseIncidentReport, IncidentEscalation } from '../../src/policy/incidents';
import type { Severity } from '../../src/policy/types';
import type { IncidentArea, IncidentStatus, IncidentView } from './state';

/** Failure types of incident Updates, which the API maps to HTTP statuses. */
export const IncidentFailure = {
  /** The input does not fit the incident (422). */
  InvalidIncidentAction: 'InvalidIncidentAction',
  /** The incident's status forbids it (409). */
  IncidentStatusForbids: 'IncidentStatusForbids',
} as const;

/** Workflow type of an incident. */
export const INCIDENT_WORKFLOW_TYPE = 'incidentWorkflow';
/** Workflow id of an incident. */
export const incidentWorkflowId = (incidentId: string) => `incident-${incidentId}`;
/** The proposer of the compensations an incident's resolution proposes: GET /approvals?incident= lists them by it. */
export const incidentProposerName = (incidentId: string) => `Incident ${incidentId}`;
/** Incident ids: `INC-` and 8 letters or digits. */
export const INCIDENT_ID_PATTERN = /^INC-[A-Z0-9]{8}$/;

/** Status of an incident (keyword). */
export const IncidentStatusAttr = defineSearchAttributeKey('IncidentStatus', SearchAttributeType.KEYWORD);
/**
 * The incidents' own search attributes. The dev server's SQL visibility allows 10 Keyword
 * attributes in all, so an incident reuses `CaseCategory` for the category it affects, and its
 * component travels in the memo.
 */
export const INCIDENT_SEARCH_ATTRIBUTES = [IncidentStatusAttr];

/** Input of incidentWorkflow. */
export interface IncidentInput {
  incidentId: string;
  title: string;
  severity: Severity;
  area: IncidentArea;
  publicSummary?: string;
  openedBy: Actor;
  /** Opened by the product from a burst of similar cases: a support lead confirms or dismisses it. */
  suspected?: boolean;
  /** How it escalates (its severity's ladder); an incident without it pages nobody. */
  escalation?: IncidentEscalation;
  /** Cases linked from the start (the burst that made a suspected incident). */
  initialCases?: string[];
  /** What made a suspected incident: the rule, and how many cases within its window. */
  detection?: { ruleId: string; cases: number; windowMinutes: number };
  /** Set only by continue-as-new. */
  resume?: IncidentView;
}

/** Move the incident on: investigating -> identified -> monitoring (resolve has its own Update). */
export interface IncidentStatusInput {
  actor: Actor;
  status: Exclude<IncidentStatus, 'resolved' | 'suspected'>;
  note?: string;
  /** Confirming a suspected incident may set its severity. */
  severity?: Severity;
  /** The ladder of the (new) severity, from the API's policy: confirming starts it. */
  escalation?: IncidentEscalation;
}
/** Acknowledge the incident's page: stops its ladder and every linked case's engineering clock. */
export interface IncidentAckInput {
  actor: Actor;
}
/** An internal note (never sent to customers). */
export interface IncidentNoteInput {
  actor: Actor;
  text: string;
}
/** Link or unlink cases. */
export interface IncidentLinkInput {
  actor: Actor;
  link?: string[];
  unlink?: string[];
  /** Cases that stay open when the incident resolves (no Issue Resolved, no outage compensation). */
  optOut?: string[];
  /** Cases taken back into the resolution. */
  optIn?: string[];
}
/** A public update: every linked customer gets it by e-mail, once. */
export interface IncidentPublicUpdateInput {
  actor: Actor;
  text: string;
  status?: Exclude<IncidentStatus, 'resolved' | 'suspected' | 'dismissed'>;
}
/** Resolve the incident with the fix; every linked customer is told. */
export interface IncidentResolveInput {
  actor: Actor;
  fix: string;
  /** Propose the seed's compensation of this guideline on every linked case with a booking payment. */
  compensate?: 'service_outage';
}

/** Incident Updates answer with the incident view. */
export const setIncidentStatusUpdate = defineUpdate<IncidentView, [IncidentStatusInput]>('setIncidentStatus');
export const addIncidentNoteUpdate = defineUpdate<IncidentView, [IncidentNoteInput]>('addIncidentNote');
export const linkIncidentCasesUpdate = defineUpdate<IncidentView, [IncidentLinkInput]>('linkIncidentCases');
export const postIncidentUpdateUpdate = defineUpdate<IncidentView, [IncidentPublicUpdateInput]>('postIncidentUpdate');
export const resolveIncidentUpdate = defineUpdate<IncidentView, [IncidentResolveInput]>('resolveIncident');
export const acknowledgeIncidentUpdate = defineUpdate<IncidentView, [IncidentAckInput]>('acknowledgeIncident');
/** Links sent by the incident desk: cases it linked at intake (they know already, so nobody is told). */
export const deskLinkSignal = defineSignal<[{ caseIds: string[] }]>('deskLink');
/** The incident view. */
export const incidentViewQuery = defineQuery<IncidentView>('incidentView');

/** What a linked case hears from its incident. */
export interface IncidentNoticeInput {
  incidentId: string;
  title: string;
  /**
   * linked/unlinked: the case joins or leaves; proposed: an open incident matches it (the agent links);
   * active: the incident was confirmed and its ladder runs; acknowledged: an engineer took the page;
   * update/resolved: a public update (resolved: with the fix, resolving the case unless opted out).
   */
  kind: 'linked' | 'unlinked' | 'proposed' | 'active' | 'acknowledged' | 'update' | 'resolved';
  severity?: Severity;
  /** linked: whether the incident's ladder runs, and whether it is acknowledged. */
  active?: boolean;
  acknowledged?: boolean;
  /** acknowledged: who. */
  by?: string;
  /** resolved: the case stays open (the agent opted it out). */
  optedOut?: boolean;
  /** resolved: propose this compensation guideline (cases with a booking payment). */
  compensate?: 'service_outage';
  /** resolved: who resolved it (the compensation's proposer). */
  actor?: Actor;
  /** The update's number (update, resolved): with the incident id, the case's key for "told once". */
  n?: number;
  /** The public text (update, resolved). */
  text?: string;
}
/** Sent by the incident's fan-out activity to each linked case. */
export const incidentNoticeSignal = defineSignal<[IncidentNoticeInput]>('incidentNotice');

// ---- the incident desk: one workflow that sees every case that could be part of an outage ----

/** The incident desk, as the actor of what it does (on incidents' timelines). */
export const DESK: Actor = { id: 'incident-desk', name: 'Incident desk', role: 'system' };
/** Workflow type and id of the incident desk. */
export const INCIDENT_DESK_WORKFLOW_TYPE = 'incidentDeskWorkflow';
export const INCIDENT_DESK_WORKFLOW_ID = 'incident-desk';

/** An open incident as the desk knows it. */
export interface DeskIncident {
  incidentId: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  category?: IncidentArea['category'];
  component?: IncidentArea['component'];
  active: boolean;
  acknowledged: boolean;
}

/** Input of the desk (only continue-as-new sets it). */
export interface IncidentDeskInput {
  resume?: IncidentDeskState;
}
/** What the desk carries. */
export interface IncidentDeskState {
  incidents: DeskIncident[];
  /** Recent reports per detection rule, for bursts: case id and when (ms). */
  windows: Record<string, { caseId: string; atMs: number }[]>;
  /** Recent reports (bounded), to propose a new incident to the cases it matches. */
  recent: (CaseIncidentReport & { atMs: number })[];
  /** Suspected incidents the desk opened. */
  opened: number;
}

/** What intake tells the desk of a new case: its report, and the known issue intake linked it to. */
export interface CaseReportedInput {
  report: CaseIncidentReport;
  /** The open incident intake found and opened the case linked to (the desk adds it to the incident). */
  linkedTo?: string;
}
/** Intake reports a new case (Signal-With-Start from the API: no worker needed to open a case). */
export const caseReportedSignal = defineSignal<[CaseReportedInput]>('caseReported');
/** An incident tells the desk it opened, changed or ended. */
export const incidentChangedSignal = defineSignal<[DeskIncident]>('incidentChanged');
/** The desk's open incidents and windows. */
export const deskViewQuery = defineQuery<IncidentDeskState>('deskView');
