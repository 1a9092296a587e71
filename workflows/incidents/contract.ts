// The incident workflow's contract: its id, input, Updates, query and search attributes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../case/state';
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
  /** Set only by continue-as-new. */
  resume?: IncidentView;
}

/** Move the incident on: investigating -> identified -> monitoring (resolve has its own Update). */
export interface IncidentStatusInput {
  actor: Actor;
  status: Exclude<IncidentStatus, 'resolved' | 'suspected'>;
  note?: string;
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
}

/** Incident Updates answer with the incident view. */
export const setIncidentStatusUpdate = defineUpdate<IncidentView, [IncidentStatusInput]>('setIncidentStatus');
export const addIncidentNoteUpdate = defineUpdate<IncidentView, [IncidentNoteInput]>('addIncidentNote');
export const linkIncidentCasesUpdate = defineUpdate<IncidentView, [IncidentLinkInput]>('linkIncidentCases');
export const postIncidentUpdateUpdate = defineUpdate<IncidentView, [IncidentPublicUpdateInput]>('postIncidentUpdate');
export const resolveIncidentUpdate = defineUpdate<IncidentView, [IncidentResolveInput]>('resolveIncident');
/** The incident view. */
export const incidentViewQuery = defineQuery<IncidentView>('incidentView');

/** What a linked case hears from its incident. */
export interface IncidentNoticeInput {
  incidentId: string;
  title: string;
  kind: 'linked' | 'unlinked' | 'update' | 'resolved';
  severity?: Severity;
  /** The update's number (update, resolved): with the incident id, the case's key for "told once". */
  n?: number;
  /** The public text (update, resolved). */
  text?: string;
}
/** Sent by the incident's fan-out activity to each linked case. */
export const incidentNoticeSignal = defineSignal<[IncidentNoticeInput]>('incidentNotice');
