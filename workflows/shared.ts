// The contract between the case workflow and everything that talks to it: the API, the worker,
// tests and the Temporal CLI. Both sides import this file and nothing else of each other.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Category, CaseStatus, Channel, Role, Severity, SupportPolicy, TemplateId } from '../src/policy/types';
import type { CategorySuggestion, ChecklistStep } from '../src/policy/rules';
import type { PaymentLookup } from '../activities/stripe';
import type { CompensationAmounts } from '../src/policy/compensation';

/** Workflow Type of a case: the workflow function's name (renaming it strands running cases). */
export const CASE_WORKFLOW_TYPE = 'supportCaseWorkflow';
/** The case workflow's signature, so clients start it by its type name without importing its code. */
export type SupportCaseWorkflow = (input: CaseInput) => Promise<CaseResult>;

/** Task queue the case worker polls. */
export const TASK_QUEUE = 'support-cases';

/** Workflow id of a case; a business id, so a retried open finds the same case. */
export const caseWorkflowId = (caseId: string) => `case-${caseId}`;

/** Case ids are short, upper-case and carry no personal data (they end up in workflow ids). */
export const CASE_ID_PATTERN = /^ES-[A-Z0-9]{6,20}$/;

/** Search attributes ops filter on in the Web UI; never personal data (they are not encrypted). */
export const CaseStatusAttr = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
/** Category of the case. */
export const CaseCategoryAttr = defineSearchAttributeKey('CaseCategory', SearchAttributeType.KEYWORD);
/** Channel the case came in through. */
export const CaseChannelAttr = defineSearchAttributeKey('CaseChannel', SearchAttributeType.KEYWORD);
/** The assigned agent's name (staff, not the customer). */
export const CaseAssigneeAttr = defineSearchAttributeKey('CaseAssignee', SearchAttributeType.KEYWORD);

// ---- compensation (issue 4): approval and payment search attributes ----
/** True while a compensation waits for an approver (GET /approvals lists these). */
export const CasePendingApprovalAttr = defineSearchAttributeKey('CasePendingApproval', SearchAttributeType.BOOL);
/** Role whose approval the pending compensation needs (support_lead, support_manager, ops_director). */
export const CaseApprovalTierAttr = defineSearchAttributeKey('CaseApprovalTier', SearchAttributeType.KEYWORD);
/** Total of the pending compensation in cents, so "approvals over $50" is a query. */
export const CaseApprovalCentsAttr = defineSearchAttributeKey('CaseApprovalCents', SearchAttributeType.INT);
/** Id of the pending approval request (`<caseId>-C<n>`). */
export const CaseApprovalIdAttr = defineSearchAttributeKey('CaseApprovalId', SearchAttributeType.KEYWORD);
/** Staff member who proposed the pending compensation (they may not approve it). */
export const CaseApprovalProposerAttr = defineSearchAttributeKey('CaseApprovalProposer', SearchAttributeType.KEYWORD);
/** The case's Stripe payment intent id (an opaque id, no personal data), so webhooks find the case. */
export const CasePaymentIntentAttr = defineSearchAttributeKey('CasePaymentIntent', SearchAttributeType.KEYWORD);
/** The search attributes of compensation (issue 4). */
const COMPENSATION_SEARCH_ATTRIBUTES = [
  CasePendingApprovalAttr, CaseApprovalTierAttr, CaseApprovalCentsAttr, CaseApprovalIdAttr, CaseApprovalProposerAttr, CasePaymentIntentAttr,
];
// ---- end compensation search attributes ----

// ---- SLA clocks and escalation (issue 3): search attributes ----
/** Severity of the case's most severe open escalation (P0-P3). */
export const CaseSeverityAttr = defineSearchAttributeKey('CaseSeverity', SearchAttributeType.KEYWORD);
/** The earliest deadline among the case's running SLA clocks. */
export const CaseNextDeadlineAttr = defineSearchAttributeKey('CaseNextDeadline', SearchAttributeType.DATETIME);
/** Whether any SLA clock of the case has breached. */
export const CaseBreachedAttr = defineSearchAttributeKey('CaseBreached', SearchAttributeType.BOOL);
/** The highest ladder rung any escalation of the case reached (0: never escalated). */
export const CaseEscalationLevelAttr = defineSearchAttributeKey('CaseEscalationLevel', SearchAttributeType.INT);
/** The search attributes of clocks and escalation (issue 3). */
const ESCALATION_SEARCH_ATTRIBUTES = [CaseSeverityAttr, CaseNextDeadlineAttr, CaseBreachedAttr, CaseEscalationLevelAttr];
// ---- end SLA clocks and escalation search attributes ----

/** Every search attribute the project registers, with its type, for temporal-dev.sh and tests. */
// ---- metrics (issue 5): a closed case's own facts ----
/** When the case last closed. */
export const CaseClosedAtAttr = defineSearchAttributeKey('CaseClosedAt', SearchAttributeType.DATETIME);
/** The closed case's facts as JSON (src/metrics/summary.ts CaseFacts; no personal data). */
export const CaseFactsAttr = defineSearchAttributeKey('CaseFacts', SearchAttributeType.TEXT);
// ---- end metrics search attributes ----

export const SEARCH_ATTRIBUTES = [CaseStatusAttr, CaseCategoryAttr, CaseChannelAttr, CaseAssigneeAttr, ...COMPENSATION_SEARCH_ATTRIBUTES, ...ESCALATION_SEARCH_ATTRIBUTES, CaseClosedAtAttr, CaseFactsAttr];

/** Someone acting on a case: a staff member from a token, the customer, or the system itself. */
export interface Actor { id: string; name: string; role: Role | 'customer' | 'system' }

/** The customer of a case. */
export interface Customer { name: string; email: string; stripeCustomerId?: string }

/** Deployment settings a case needs; they come from config at open, since workflows never read env. */
export interface CaseSettings { adminBaseUrl: string; publicBaseUrl: string }

/** Input of supportCaseWorkflow. */
export interface CaseInput {
  caseId: string;
  channel: Channel;
  customer: Customer;
  subject: string;
  description: string;
  bookingId?: string;
  paymentIntentId?: string;
  category?: Category;
  openedBy: Actor;
  settings: CaseSettings;
  /** The policy snapshot this case runs under, pinned for its whole life. */
  policy: SupportPolicy;
  /** Set only by continue-as-new: the state the case carries on from (see workflows/case-context.ts). */
  resume?: import('./case-context').CaseState;
}

/** One line of the case's audit trail. */
export interface TimelineEntry { seq: number; at: string; actor: Actor; action: string; detail?: string }

/** An e-mail the case sent or is sending. */
export interface EmailRecord {
  n: number;
  templateId: TemplateId;
  subject: string;
  status: 'queued' | 'sent' | 'failed';
  queuedAt: string;
  sentAt?: string;
  messageId?: string;
  error?: string;
}

/** What the Stripe lookup found about the case's payment. */
export interface PaymentFacts extends PaymentLookup {
  paymentIntentId: string;
  checkedAt: string;
}

/** The case as agents, tests and the Web UI see it. */
export interface CaseView {
  caseId: string;
  reference: string;
  status: CaseStatus;
  channel: Channel;
  category: Category | null;
  categorySuggestion: CategorySuggestion | null;
  subject: string;
  description: string;
  customer: Customer;
  bookingId?: string;
  paymentIntentId?: string;
  assignee: { id: string; name: string } | null;
  commonIssues: { id: string; title: string }[];
  checklist: ChecklistStep[];
  payment?: PaymentFacts;
  identity?: { verified: boolean; checkedAt: string; by: string };
  emails: EmailRecord[];
  timeline: TimelineEntry[];
  notes: { at: string; by: string; text: string }[];
  reopens: number;
  resolution?: { actionTaken: string; expectedResult: string; specificAction: string };
  csat: { surveySentAt?: string; rating?: number; comment?: string; ratedAt?: string; expiresAt?: string } | null;
  times: { openedAt: string; firstResponseAt?: string; resolvedAt?: string; closedAt?: string };
  policyVersion: string;
  // ---- compensation (issue 4) ----
  /** Compensations proposed on the case, oldest first (absent on cases that never had one). */
  compensations?: CompensationRecord[];
  /** A Stripe dispute on the case's payment, from the charge.dispute.created webhook. */
  dispute?: DisputeFacts;
  /** Ids of the Stripe events the case has handled (the last 50), so a replayed webhook has no second effect. */
  stripeEventIds?: string[];
}

/** What a finished case returns: its facts, for metrics. */
export interface CaseResult { view: CaseView; /** The case's own facts for the metrics (absent on cases that finished before facts existed). */ facts?: import('../src/metrics/summary').CaseFacts }

/** Update inputs: each carries the acting staff member. */
export interface AssignInput { actor: Actor; assignee: { id: string; name: string } }
/** Reply input. */
export interface ReplyInput { actor: Actor; message: string }
/** Verification request input. */
export interface VerificationRequestInput { actor: Actor }
/** Completing a step; identity evidence for the verify-identity step is checked, never stored. */
export interface CompleteStepInput { actor: Actor; stepId: string; note?: string; evidence?: { email: string; last4: string } }
/** Skipping a step needs a note. */
export interface SkipStepInput { actor: Actor; stepId: string; note: string }
/** Category change input. */
export interface SetCategoryInput { actor: Actor; category: Category }
/** Internal note input. */
export interface NoteInput { actor: Actor; text: string }
/** Wait-for-customer input. */
export interface WaitForCustomerInput { actor: Actor; note?: string }
/** Resolve input: fills the Issue Resolved template. */
export interface ResolveInput { actor: Actor; actionTaken: string; expectedResult: string; specificAction: string }
/** Close input. */
export interface CloseInput { actor: Actor; reason?: string }
/** Reopen input. */
export interface ReopenInput { actor: Actor; reason: string }
/** A CSAT rating, from a verified survey link. */
export interface RateInput { surveyId: string; rating: number; comment?: string }
/** A customer message relayed by intake. */
export interface CustomerReplyInput { message: string; at?: string }

/** Assign the case to an agent. */
export const assignUpdate = defineUpdate<CaseView, [AssignInput]>('assign');
/** Reply to the customer (the first e-mail reply uses the Welcome template). */
export const replyUpdate = defineUpdate<CaseView, [ReplyInput]>('reply');
/** Ask the customer to verify their account. */
export const requestVerificationUpdate = defineUpdate<CaseView, [VerificationRequestInput]>('requestVerification');
/** Complete a checklist step. */
export const completeStepUpdate = defineUpdate<CaseView, [CompleteStepInput]>('completeStep');
/** Skip a checklist step, with a note. */
export const skipStepUpdate = defineUpdate<CaseView, [SkipStepInput]>('skipStep');
/** Change the category. */
export const setCategoryUpdate = defineUpdate<CaseView, [SetCategoryInput]>('setCategory');
/** Add an internal note. */
export const addNoteUpdate = defineUpdate<CaseView, [NoteInput]>('addNote');
/** Wait for the customer. */
export const waitForCustomerUpdate = defineUpdate<CaseView, [WaitForCustomerInput]>('waitForCustomer');
/** Resolve the case. */
export const resolveUpdate = defineUpdate<CaseView, [ResolveInput]>('resolve');
/** Close a resolved case. */
export const closeUpdate = defineUpdate<CaseView, [CloseInput]>('close');
/** Reopen a resolved case, or a closed one within the reopen window. */
export const reopenUpdate = defineUpdate<CaseView, [ReopenInput]>('reopen');
/** Record the customer's satisfaction rating (once). */
export const rateUpdate = defineUpdate<CaseView, [RateInput]>('rate');
/** A customer's message; a signal because intake must never be refused. */
export const customerReplySignal = defineSignal<[CustomerReplyInput]>('customerReply');
/** The case view. */
export const caseViewQuery = defineQuery<CaseView>('caseView');

/** Failure types the API maps to HTTP statuses. */
export const FailureType = {
  /** The case's status forbids the action (409). */
  StatusForbids: 'CaseStatusForbids',
  /** The action's input does not fit the case (422). */
  InvalidAction: 'InvalidCaseAction',
  /** Already done once and cannot be done again (409). */
  AlreadyDone: 'AlreadyDone',
  // ---- compensation (issue 4) ----
  /** The approver's role is below the request's tier, or they proposed it (403). */
  ApprovalNotPermitted: 'ApprovalNotPermitted',
  /** The decision names an amount the proposal no longer has (409). */
  StaleApproval: 'StaleApproval',
} as const;

// ---- compensation (issue 4) ----

/** One approval request: who must decide, by when, and what happened. */
export interface ApprovalRecord {
  /** `<caseId>-C<n>`: the case and the compensation it approves. */
  approvalId: string;
  /** Role whose decision is needed now (escalation moves it up). */
  tier: Role;
  tierLabel: string;
  /** Contact of the tier in the policy's directory, e-mailed with the request. */
  contact?: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  requestedAt: string;
  remindAt: string;
  escalateAt: string;
  expiresAt: string;
  remindedAt?: string;
  escalations: { at: string; from: Role; to: Role }[];
  decidedBy?: { id: string; name: string; role: string };
  decidedAt?: string;
  decidedVia?: 'api' | 'slack' | 'signal';
  note?: string;
  /** Bumped when the proposal changes, so open timers and notices start again. */
  revision: number;
  /** The latest Slack post of the request. */
  slack?: { channel: string; ts: string };
}

/** A compensation: what was proposed, its approval, and what Stripe did. */
export interface CompensationRecord extends Pick<CompensationAmounts, 'refundCents' | 'creditCents' | 'freeSessionCreditCents' | 'totalCents' | 'currency' | 'lines'> {
  n: number;
  guideline: string;
  reason?: string;
  issue: string;
  proposedBy: { id: string; name: string; role: string };
  proposedAt: string;
  status: 'pending_approval' | 'approved' | 'rejected' | 'expired' | 'applying' | 'applied' | 'failed';
  /** Set when the total is above the proposer's own tier. */
  approval?: ApprovalRecord;
  /** The Stripe refund (re_...), once created. */
  refund?: { id: string; amountCents: number; status: string; failureReason?: string };
  /** The Stripe customer balance transaction (cbtxn_...), once created. */
  credit?: { id: string; amountCents: number };
  failure?: { step: 'refund' | 'credit'; type: string; message: string };
  appliedAt?: string;
}

/** A dispute Stripe reported on the case's payment. */
export interface DisputeFacts { disputeId: string; chargeId?: string; amountCents?: number; currency?: string; reason?: string; status?: string; openedAt: string }

/** Propose compensation by a guideline of the policy (or custom, with a reason); the workflow computes the amounts. */
export interface ProposeCompensationInput {
  actor: Actor;
  guideline: 'service_outage' | 'tutor_no_show' | 'payment_error' | 'minor_inconvenience' | 'major_inconvenience' | 'custom';
  creditCents?: number;
  refundCents?: number;
  reason?: string;
  /** What went wrong, in the customer's words for the e-mail ("your session on Monday"); defaults to the case subject. */
  issue?: string;
}

/** A decision on an approval request; it names the amount it approves, so a stale click on a changed proposal is refused. */
export interface ApprovalDecisionInput {
  actor: Actor;
  approvalId: string;
  decision: 'approve' | 'reject';
  amountCents: number;
  note?: string;
  via?: 'api' | 'slack' | 'signal';
}

/** The part of a Stripe event a case acts on (the webhook route extracts it). */
export interface StripeEventInput {
  id: string;
  type: 'charge.dispute.created' | 'refund.updated' | 'refund.failed' | 'payment_intent.payment_failed';
  objectId: string;
  paymentIntentId?: string;
  chargeId?: string;
  amountCents?: number;
  currency?: string;
  status?: string;
  reason?: string;
  failureReason?: string;
  declineCode?: string;
  declineMessage?: string;
}

/** Propose (or, while its approval is pending, change) a compensation. */
export const proposeCompensationUpdate = defineUpdate<CaseView, [ProposeCompensationInput]>('proposeCompensation');
/** Approve or reject an approval request; refused synchronously when the rules say no. */
export const decideApprovalUpdate = defineUpdate<CaseView, [ApprovalDecisionInput]>('decideApproval');
/** The same decision as a signal (Temporal CLI/UI); a signal cannot be refused, so the workflow records refused ones. */
export const approvalDecisionSignal = defineSignal<[ApprovalDecisionInput]>('approvalDecision');
/** A verified Stripe webhook event for this case; replays of an event id are ignored. */
export const stripeEventSignal = defineSignal<[StripeEventInput]>('stripeEvent');

/** Approval request id of a case's n-th compensation. */
export const approvalIdOf = (caseId: string, n: number) => `${caseId}-C${n}`;
/** Approval ids: the case id, then -C and the compensation number. */
export const APPROVAL_ID_PATTERN = /^(ES-[A-Z0-9]{6,20})-C([1-9][0-9]{0,3})$/;

// ---- SLA clocks and escalation (issue 3) ----

/** The fields of the seed's escalation template (#support-escalations). */
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
  /** The promise made to the customer in the Escalation Notice, and the agent's reminder. */
  followUp: { promised: string; dueAt: string; customerUpdatedAt?: string; remindedAt?: string };
}

/** Extra fields of the case view (declaration merging keeps this section apart). */
export interface CaseView {
  /** Every SLA clock of the case; absent on cases opened before clocks existed. */
  clocks?: import('../src/policy/clocks').ClockView[];
  /** When the clocks figures were computed (workflow time). */
  clocksAsOf?: string;
  /** Severity of the most severe open escalation, else null. */
  severity?: Severity | null;
  escalations?: EscalationRecord[];
  /** Escalation triggers an agent flagged, by trigger id. */
  escalationTriggers?: { id: string; label: string; by: string; at: string }[];
  /** SLA facts for the weekly metrics. */
  sla?: { breaches: number; customerFacingBreaches: number; warnings: number; policyVersion: string };
}

/** Deployment settings of issue 3 (declaration merging). */
export interface CaseSettings {
  /** Continue-as-new once history reaches this many events (default 2000); tests set it low. */
  continueAsNewAfterEvents?: number;
  /** Slack channel of escalations and ladder rungs (SLACK_ESCALATIONS_CHANNEL; default #support-escalations). */
  slackEscalationsChannel?: string;
}

/** Escalate input: the template's fields; with no severity the seed's When to Escalate rules suggest one. */
export interface EscalateInput {
  actor: Actor;
  severity?: Severity;
  title?: string;
  affectedUsers?: string;
  issue?: string;
  stepsToReproduce?: string[];
  userImpact?: string;
  whatTried?: string;
}
/** Flag one of the category's escalation triggers. */
export interface FlagTriggerInput { actor: Actor; triggerId: string; note?: string }
/** Acknowledge an escalation (engineer or above): stops the ladder. */
export interface AcknowledgeEscalationInput { actor: Actor; escalationId: string }
/** Resolve an escalation. */
export interface ResolveEscalationInput { actor: Actor; escalationId: string; note?: string }
/** Change an escalation's severity; re-plans its ladder. */
export interface ChangeSeverityInput { actor: Actor; escalationId: string; severity: Severity; reason: string }
/** A changed policy for live deadlines: calendars, channel targets, severities, resolution target. */
export interface PolicyChangedInput {
  policy: Pick<SupportPolicy, 'version' | 'calendars' | 'channels' | 'severities' | 'resolutionTargetMinutes'>;
  by?: string;
}
/** A changed business calendar (replaces the one with the same id). */
export interface CalendarChangedInput { calendar: import('../src/policy/calendar').BusinessCalendar; by?: string }

/** Escalate to Engineering. */
export const escalateUpdate = defineUpdate<CaseView, [EscalateInput]>('escalate');
/** Flag a category escalation trigger (escalates with the trigger's severity). */
export const flagEscalationTriggerUpdate = defineUpdate<CaseView, [FlagTriggerInput]>('flagEscalationTrigger');
/** Acknowledge an escalation. */
export const acknowledgeEscalationUpdate = defineUpdate<CaseView, [AcknowledgeEscalationInput]>('acknowledgeEscalation');
/** Resolve an escalation. */
export const resolveEscalationUpdate = defineUpdate<CaseView, [ResolveEscalationInput]>('resolveEscalation');
/** Change an escalation's severity. */
export const changeSeverityUpdate = defineUpdate<CaseView, [ChangeSeverityInput]>('changeSeverity');
/** Re-plan running deadlines under a changed policy; a signal so ops can send it from the CLI. */
export const policyChangedSignal = defineSignal<[PolicyChangedInput]>('policyChanged');
/** Re-plan running deadlines under a changed calendar. */
export const calendarChangedSignal = defineSignal<[CalendarChangedInput]>('calendarChanged');
