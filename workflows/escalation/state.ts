// What escalation adds to a case: its escalations to Engineering with their ladders, the triggers
// agents flagged, and what it carries across continue-as-new.
import type { Severity } from '../../src/policy/types';
import type { Deployment } from '../deployments/contract';

export interface EscalationTemplate {
  title: string;
  affectedUsers: string;
  issue: string;
  stepsToReproduce: string[];
  userImpact: string;
  whatTried: string;
}

/** One notified rung of a ladder; `k` counts notifications across the escalation, so a re-planned ladder never reuses a dedup key. */
export interface EscalationRungRecord {
  k: number;
  /** Index of the rung in its severity's ladder (0 = first). */
  index: number;
  severity: Severity;
  via: 'pagerduty' | 'slack' | 'email' | 'ticket';
  target: string;
  contact?: string;
  state: 'pending' | 'notified' | 'failed';
  startedAt: string;
  notifiedAt?: string;
  /** PagerDuty's dedup key `case-<id>:esc-<n>:rung-<k>`. */
  dedupKey?: string;
  /** When the rung's wait for an acknowledgement ends (computed, shown in the view). */
  ackDueAt?: string;
  error?: string;
}

/** An escalation to Engineering, with its ladder. */
export interface EscalationRecord extends EscalationTemplate {
  id: string;
  n: number;
  severity: Severity;
  /** Why: an agent, the category (technical), a flagged trigger, or too many reopens. */
  source: 'agent' | 'category' | 'trigger' | 'reopens';
  triggerId?: string;
  severitySuggestion?: { severity: Severity; matched: string[] };
  by: string;
  createdAt: string;
  state: 'open' | 'acknowledged' | 'resolved';
  rungs: EscalationRungRecord[];
  /** When the ladder (re)started at its first rung: escalation or the last severity change. */
  ladderStartedAt: string;
  acknowledged?: { by: string; role: string; at: string };
  resolved?: { by: string; at: string; note?: string };
  slack?: { channel: string; ts: string; caseLink: string };
  /** The incident whose ladder this escalation joined: it pages nobody itself, and the incident's acknowledgement is its own. */
  joined?: string;
  /** Made under CONTACTS_PATCH: each rung waits its internal channel's acknowledgement time. */
  channelAcks?: boolean;
  /** The deploys from 6 hours before the escalation to now: added by GET /cases/:caseId, never in workflow state. */
  recentDeployments?: Deployment[];
  /** Contacts told besides the ladder (Legal, Operations), with the trigger or signal that matched. */
  notified?: { contactId: string; because: string; at: string }[];
  /** The promise made to the customer in the Escalation Notice, and the agent's reminder. */
  followUp: { promised: string; dueAt: string; customerUpdatedAt?: string; remindedAt?: string };
}

/** Escalation's part of the case view. */
export interface EscalationSlice {
  /** Severity of the most severe open escalation, else null. */
  severity?: Severity | null;
  escalations?: EscalationRecord[];
  /** Escalation triggers an agent flagged, by trigger id. */
  escalationTriggers?: { id: string; label: string; by: string; at: string }[];
}

/** Deployment settings escalation needs. */
export interface EscalationSettings {
  /** Slack channel of escalations and ladder rungs (SLACK_ESCALATIONS_CHANNEL; default #support-escalations). */
  slackEscalationsChannel?: string;
}

/** What escalation carries across continue-as-new: the automatic escalations already made. */
export interface EscalationState {
  technicalEscalated: boolean;
  reopensEscalated: boolean;
}
