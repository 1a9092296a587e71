// The support policy: EduStream's written process as typed data. A snapshot of it travels in each
// case workflow's input, so a running case never changes behaviour because a file changed.
import type { BusinessCalendar } from './calendar';

/** Channels a case can come in through. */
export const CHANNELS = ['email', 'chat', 'in_app'] as const;
/** Where a case came in. */
export type Channel = (typeof CHANNELS)[number];
/** The seed's five ticket categories, in the seed's order. */
export const CATEGORIES = ['account', 'payment', 'booking', 'tutor', 'technical'] as const;
/** A ticket category of the seed. */
export type Category = (typeof CATEGORIES)[number];
/** Roles a bearer token can carry. */
export const ROLES = [
  'agent',
  'support_lead',
  'support_manager',
  'ops_director',
  'engineer',
  'intake',
  'admin',
  /** CI/CD, recording deploys (POST /deployments). */
  'deployer',
] as const;
/** A role a bearer token can carry. */
export type Role = (typeof ROLES)[number];
/** Escalation severities of the seed's matrix, most severe first. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
/** An escalation severity of the seed's matrix. */
export type Severity = (typeof SEVERITIES)[number];
/** Lifecycle of a case, in order. */
export const CASE_STATUSES = ['new', 'open', 'awaiting_customer', 'resolved', 'closed'] as const;
/** Where a case is in its lifecycle. */
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** The seed's standard compensation guidelines. */
export const GUIDELINES = [
  'service_outage',
  'tutor_no_show',
  'payment_error',
  'minor_inconvenience',
  'major_inconvenience',
] as const;
/** A standard compensation guideline of the seed. */
export type GuidelineId = (typeof GUIDELINES)[number];
/** Places in EduStream's admin panel a manual step links to. */
export type AdminArea = 'users' | 'bookings' | 'tutors' | 'stripe';
/** Checklist steps a machine performs through an activity. */
export type StepAutomation = 'stripe.lookupPayment' | 'stripe.verifyIdentity';
/** Every e-mail the orchestrator sends. */
export type TemplateId =
  | 'welcome'
  | 'account_verification'
  | 'issue_resolved'
  | 'escalation_notice'
  | 'compensation_offered'
  | 'agent_reply'
  | 'self_service_answer'
  | 'csat_survey'
  | 'incident_update'
  | 'acknowledgement';

/** One step of a Tier 1 checklist or a common-issue playbook. */
export interface StepDef {
  id: string;
  title: string;
  /** Done by an activity rather than by hand. */
  automation?: StepAutomation;
  /** Done by hand in the admin panel, at this place. */
  admin?: AdminArea;
  /** Something the customer can do themselves (sent in self-service answers). */
  customerFacing?: boolean;
}

/** An escalation trigger an agent can flag on a case of the category. */
export interface EscalationTriggerDef {
  /** Raised without an agent: `stripe.dispute` when Stripe reports a dispute on the case's payment. */
  raisedBy?: 'stripe.dispute';
  id: string;
  label: string;
  severity: Severity;
}

/** A ticket category with its examples, Tier 1 checklist and escalation triggers. */
export interface CategoryDef {
  id: Category;
  name: string;
  examples: string[];
  /** Lower-case words and phrases that suggest this category when a case arrives without one. */
  keywords: string[];
  tier1: StepDef[];
  escalationTriggers: EscalationTriggerDef[];
  /** Every case of the category goes to Engineering (the seed: "All technical issues"). */
  alwaysEscalate?: { severity: Severity };
}

/** A playbook from the seed's Common Issues & Solutions. */
export interface CommonIssueDef {
  id: string;
  title: string;
  category: Category;
  /** Each entry is a set of lower-case words that must all appear in the text. */
  match: string[][];
  steps: StepDef[];
}

/** A customer channel with its first-response target. */
export interface ChannelDef {
  id: Channel;
  name: string;
  purpose: string;
  /** Minutes to first response; 0 means immediate (self-service). */
  firstResponseMinutes: number;
  /** Minutes to the next reply after each customer message (chat), if any. */
  nextReplyMinutes?: number;
  /** Calendar the channel's clocks count in. */
  calendarId: string;
}

/** An internal escalation channel of the seed. */
export interface InternalChannelDef {
  id: string;
  name: string;
  purpose: string;
  responseMinutes: number;
}

/** One rung of an escalation ladder. */
export interface LadderRung {
  via: 'pagerduty' | 'slack' | 'email' | 'ticket';
  target: string;
  contactId?: string;
  /**
   * The internal channel (of `internalChannels`) whose response time is this rung's wait for an
   * acknowledgement before the ladder climbs. Absent (policies pinned before it): derived from
   * `via` (slack, pagerduty) or the contact's address (engineering@ is the e-mail channel); a rung
   * with no channel (a ticket, an e-mail to a person) waits the severity's response time.
   */
  ackChannelId?: string;
}

/** A contact told of an escalation besides its ladder (the seed's Legal and Operations); why: the contact's `when`. */
export interface EscalationNoticeDef {
  /** Contact (of `contacts`) e-mailed. */
  contactId: string;
  /** Category escalation trigger ids (of any category) whose escalation tells the contact. */
  triggers?: string[];
  /** "When to Escalate"-style phrases; an escalation whose text (or the case's) has every word of one tells the contact. */
  signals?: string[];
}

/** A severity of the escalation matrix. */
export interface SeverityDef {
  id: Severity;
  description: string;
  responseMinutes: number;
  ladder: LadderRung[];
  /** The seed's "When to Escalate" signals for this severity. */
  whenToEscalate: string[];
  calendarId: string;
}

/** A standard compensation rule. */
export interface CompensationGuideline {
  id: GuidelineId;
  issueType: string;
  description: string;
  refund: 'none' | 'full';
  /** Credit as a fraction of the payment (0.1 = 10%). */
  creditPercent?: number;
  /** A credit worth one session (the payment's amount). */
  freeSessionCredit?: boolean;
  /** Fixed credit range in cents; the agent picks within it. */
  creditRangeCents?: [number, number];
}

/** An approval level; the amount picks the first tier whose maximum it does not exceed. */
export interface ApprovalTier {
  role: Role;
  label: string;
  maxCents: number | null;
  contactId?: string;
}

/** A contact of the seed's directory. */
export interface Contact {
  id: string;
  role: string;
  contact: string;
  when: string;
}

/** An e-mail template: seed text with {{placeholders}}. */
export interface TemplateDef {
  id: TemplateId;
  name: string;
  source: 'seed' | 'orchestrator';
  subject: string;
  body: string;
}

/** A metric target of the weekly report. */
export interface MetricTarget {
  id: string;
  name: string;
  target: string;
  comparator: '<' | '>';
  value: number;
  unit: 'hours' | 'percent';
}

/** The whole policy. */
export interface SupportPolicy {
  version: string;
  name: string;
  timeZone: string;
  calendars: BusinessCalendar[];
  channels: ChannelDef[];
  internalChannels: InternalChannelDef[];
  categories: CategoryDef[];
  commonIssues: CommonIssueDef[];
  severities: SeverityDef[];
  resolutionTargetMinutes: number;
  adminPanel: Record<AdminArea, string>;
  templates: Record<TemplateId, TemplateDef>;
  compensation: CompensationGuideline[];
  approvalTiers: ApprovalTier[];
  contacts: Contact[];
  metrics: MetricTarget[];
  csat: { surveyDelayMinutes: number; responseWindowMinutes: number };
  reopen: { windowMinutes: number; maxReopensBeforeEscalation: number };
  /** Which roles may do what through the API. */
  permissions: Record<Permission, Role[]>;
  /** Approval request clocks; absent in policies pinned before approvals existed (the workflow then uses the default's). */
  approvals?: ApprovalClocks;
  /** When clocks warn: this share of the target before the deadline (absent: 20%). */
  sla?: {
    warnBeforePercent: number;
    reopenEscalationSeverity: Severity;
    /** Contact (of `contacts`) told of customer-facing SLA warnings and breaches. */
    noticeContactId?: string;
  };
  /** Known issues and outages: the bursts of similar cases that open a suspected incident (absent: none). */
  incidents?: IncidentPolicy;
  /**
   * Contacts e-mailed when an escalation matches their triggers or signals (Legal, Operations);
   * absent in policies pinned before it: nobody beyond the ladder.
   */
  escalationNotices?: EscalationNoticeDef[];
  /** Escalation triggers every category has besides its own (legal-compliance); absent: none. */
  anyCategoryTriggers?: EscalationTriggerDef[];
  /** Who gets the weekly report, and the calendar business-time figures count in. */
  reporting?: {
    contactId: string;
    businessCalendarId: string;
    /**
     * Cases opened under a policy with this set publish CaseMarks and the minute figures as they
     * run (workflows/metrics/handlers.ts). Pinned in each case's input, so a case opened before it
     * existed replays as it ran, and no patch marker is added to every case's history.
     */
    caseMarks?: boolean;
  };
}

/** A burst of similar cases that makes a suspected incident, and what an open incident of its area matches. */
export interface IncidentDetectionRule {
  id: string;
  /** What the cases are about, in words ("payments failing"): the suspected incident's title. */
  title: string;
  /** The area a suspected incident gets; a case must be in the category, when one is given. */
  category?: Category;
  component: 'payments' | 'bookings' | 'login' | 'video' | 'other';
  /** Word groups, as in common issues: a case matches when all words of one group are in its text. */
  match: string[][];
  /** This many matching cases within the window open a suspected incident. */
  threshold: number;
  windowMinutes: number;
  /** The severity a suspected incident is opened at (a support lead confirms or changes it). */
  severity: Severity;
}

/** The incident part of the policy. */
export interface IncidentPolicy {
  detection: IncidentDetectionRule[];
}

/** When an unanswered approval request is reminded, moved to the next tier and expired, in minutes after the request. */
export interface ApprovalClocks {
  reminderMinutes: number;
  escalateMinutes: number;
  expireMinutes: number;
}

/** Things a caller may be allowed to do. */
export type Permission =
  | 'case.open'
  | 'case.read'
  | 'case.work'
  | 'case.customerReply'
  | 'case.reopen'
  | 'case.close'
  | 'compensation.propose'
  | 'approval.decide'
  | 'escalation.ack'
  | 'incident.read'
  | 'incident.manage'
  | 'incident.link'
  | 'inbound.review'
  | 'policy.admin'
  | 'deployment.record';
