// What an incident is: an outage or known issue that links many cases, with its status, the public
// summary customers may read, internal notes, the updates sent to every linked customer, and its
// audit trail. Personal data stays on the cases: an incident holds case ids only.
import type { Actor } from '../case/state';
import type { Category, Severity } from '../../src/policy/types';

/** Where an incident's status can go; `suspected` ones are confirmed (investigating) or dismissed. */
export const INCIDENT_STATUSES = [
  'suspected',
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'dismissed',
] as const;
/** An incident's status. */
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Statuses in which an incident is a known issue (listed, linkable, updatable). */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'suspected',
  'investigating',
  'identified',
  'monitoring',
];

/** Components an incident can affect, besides a case category. */
export const INCIDENT_COMPONENTS = ['payments', 'bookings', 'login', 'video', 'other'] as const;
/** A component. */
export type IncidentComponent = (typeof INCIDENT_COMPONENTS)[number];

/** What an incident affects. */
export interface IncidentArea {
  category?: Category;
  component?: IncidentComponent;
}

/** One public update, sent to every linked customer once. */
export interface IncidentUpdate {
  n: number;
  at: string;
  by: string;
  text: string;
  status: IncidentStatus;
  /** Cases told so far (the fan-out marks each case it reached). */
  notified: number;
  /** Cases it was for: the links at the moment it was posted. */
  cases: number;
}

/** The incident as staff and the Web UI see it. */
export interface IncidentView {
  incidentId: string;
  title: string;
  severity: Severity;
  area: IncidentArea;
  status: IncidentStatus;
  publicSummary: string;
  notes: { at: string; by: string; text: string }[];
  linkedCases: string[];
  updates: IncidentUpdate[];
  timeline: { seq: number; at: string; actor: Actor; action: string; detail?: string }[];
  openedAt: string;
  resolvedAt?: string;
  fix?: string;
  /** What made a suspected incident (the burst). */
  detection?: { ruleId: string; cases: number; windowMinutes: number };
  /** The incident's own ladder, one for the whole outage: rungs notified, and who acknowledged. */
  ladder?: IncidentLadder;
  /** The incident's Slack thread in #support-escalations: linked cases are its replies. */
  slack?: { channel: string; ts: string };
  /** Linked cases that stay open when the incident resolves. */
  optedOut?: string[];
  /** resolve's compensation guideline, proposed on every linked case with a booking payment. */
  compensate?: 'service_outage';
}

/** One notified rung of an incident's ladder. */
export interface IncidentLadderRung {
  k: number;
  index: number;
  via: 'pagerduty' | 'slack' | 'email' | 'ticket';
  target: string;
  contact?: string;
  startedAt: string;
  /** When the rung climbs unless acknowledged. */
  ackDueAt?: string;
  /** PagerDuty's dedup key `incident-<id>:rung-<k>`: one PagerDuty incident per incident rung. */
  dedupKey?: string;
  state: 'pending' | 'notified' | 'failed';
}

/** An incident's ladder. */
export interface IncidentLadder {
  severity: Severity;
  startedAt: string;
  rungs: IncidentLadderRung[];
  acknowledged?: { by: string; at: string; via: string };
}

/** What incidents add to a case view: the incidents it is linked to, and how many updates it was sent. */
export interface IncidentCaseSlice {
  /**
   * The incidents the case is linked to; `active` while the incident's ladder runs (the case's
   * escalations join it), `acknowledged` names who took the incident's page.
   */
  incidents?: { incidentId: string; title: string; severity?: Severity; active?: boolean; acknowledged?: string }[];
  /** Open incidents that match the case, proposed to the agent (POST /incidents/:id/cases links). */
  incidentProposals?: { incidentId: string; title: string; at: string }[];
  incidentNotices?: number;
}
