// The contract between the case workflow and everything that talks to it: the API, the worker,
// tests and the Temporal CLI. Both sides import this file and nothing else of each other.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Category, CaseStatus, Channel, Role, SupportPolicy, TemplateId } from '../src/policy/types';
import type { CategorySuggestion, ChecklistStep } from '../src/policy/rules';

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

/** Every search attribute the project registers, with its type, for temporal-dev.sh and tests. */
export const SEARCH_ATTRIBUTES = [CaseStatusAttr, CaseCategoryAttr, CaseChannelAttr, CaseAssigneeAttr];

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
export interface PaymentFacts {
  paymentIntentId: string;
  found: boolean;
  status?: string;
  succeeded?: boolean;
  amountCents?: number;
  currency?: string;
  chargeId?: string;
  amountRefundedCents?: number;
  declineCode?: string;
  declineMessage?: string;
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
}

/** What a finished case returns: its facts, for metrics. */
export interface CaseResult { view: CaseView }

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
} as const;
