// The case lifecycle's contract: how a case is named and started, the lifecycle's search
// attributes, the agent actions (Updates), the customer's messages (a signal) and the view query.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CaseFacts } from '../../src/metrics/summary';
import type { Category, CaseStatus, Channel, Severity, SupportPolicy } from '../../src/policy/types';
import type { CaseSettings, CaseState, CaseView } from '../case-view';
import type { Actor, Customer } from './state';
import type { AttachmentRef } from '../conversation/state';

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
/** The lifecycle's search attributes. */
export const CASE_SEARCH_ATTRIBUTES = [CaseStatusAttr, CaseCategoryAttr, CaseChannelAttr, CaseAssigneeAttr];

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
  /**
   * When the case was opened (ISO), set by the API so the view it answers with at once and the
   * workflow's first state agree to the millisecond; absent: the workflow's start time.
   */
  openedAt?: string;
  settings: CaseSettings;
  /** The policy snapshot this case runs under, pinned for its whole life. */
  policy: SupportPolicy;
  /** Set only by continue-as-new: the state the case carries on from. */
  resume?: CaseState;
  /**
   * The open incident that is this case's known issue, found by intake (the API matched the
   * known-issues list): the case opens linked to it. Absent on cases opened before incidents.
   */
  knownIssue?: { incidentId: string; title: string; severity: Severity; active: boolean };
  /**
   * Set by e-mail intake (src/inbound/) when a customer's e-mail opens the case: that e-mail's
   * Message-ID and References (the case's acknowledgement threads under it), its HTML and its
   * attachments (stored outside history). A case opened with it is acknowledged by e-mail.
   */
  inbound?: InboundEmailInput;
}

/** The customer's e-mail a case opened from (CaseInput.inbound). */
export interface InboundEmailInput {
  messageId: string;
  references?: string[];
  html?: string;
  attachments?: AttachmentRef[];
}

/** What a finished case returns: its view and its facts, for metrics. */
export interface CaseResult {
  view: CaseView;
  /** The case's own facts for the metrics (absent on cases that finished before facts existed). */
  facts?: CaseFacts;
}

/** Update inputs: each carries the acting staff member. */
export interface AssignInput {
  actor: Actor;
  assignee: { id: string; name: string };
}
/** Reply input. */
export interface ReplyInput {
  actor: Actor;
  message: string;
}
/** Verification request input. */
export interface VerificationRequestInput {
  actor: Actor;
}
/**
 * Completing a step; identity evidence for the verify-identity step is checked, never stored. The
 * API seals it (a keyed digest of the e-mail and last 4 digits) so it never reaches history in
 * clear; histories recorded before sealing carry it in clear and replay as they ran.
 */
export interface CompleteStepInput {
  actor: Actor;
  stepId: string;
  note?: string;
  evidence?: { sealed: string } | { email: string; last4: string };
}
/** Skipping a step needs a note. */
export interface SkipStepInput {
  actor: Actor;
  stepId: string;
  note: string;
}
/** Category change input. */
export interface SetCategoryInput {
  actor: Actor;
  category: Category;
}
/** Internal note input. */
export interface NoteInput {
  actor: Actor;
  text: string;
}
/** Wait-for-customer input. */
export interface WaitForCustomerInput {
  actor: Actor;
  note?: string;
}
/** Resolve input: fills the Issue Resolved template. */
export interface ResolveInput {
  actor: Actor;
  actionTaken: string;
  expectedResult: string;
  specificAction: string;
}
/** Close input. */
export interface CloseInput {
  actor: Actor;
  reason?: string;
}
/** Reopen input. */
export interface ReopenInput {
  actor: Actor;
  reason: string;
}
/** A CSAT rating, from a verified survey link. */
export interface RateInput {
  surveyId: string;
  rating: number;
  comment?: string;
}
/** A customer message relayed by intake. */
export interface CustomerReplyInput {
  /** `<caller>:<Idempotency-Key>` when intake sent one: a repeat of it changes nothing. */
  idempotencyKey?: string;
  /** What the customer wrote (the text of an e-mail). */
  message: string;
  at?: string;
  /** Where it was written; absent: the case's own channel. */
  via?: Channel;
  /** The HTML of an e-mail. */
  html?: string;
  subject?: string;
  /** RFC 5322 headers of an e-mail, for threading the replies. */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  attachments?: AttachmentRef[];
  /** Set by intake for auto-replies and bounces: recorded, never answered, never reopens the case. */
  automatic?: 'auto_reply' | 'bounce';
}

/** What an action produced that a caller may want to name next (its id or number). */
export interface ActionProduced {
  /** The compensation a proposal created or changed. */
  compensation?: number;
  /** The approval request a proposal opened or a decision decided. */
  approvalId?: string;
  /** The escalation an escalate or trigger created, or the one acknowledged, resolved or re-graded. */
  escalationId?: string;
  /** The audit-trail entry the action wrote (a note), so a client knows where it stands in the trail. */
  seq?: number;
}

/**
 * What an agent action's Update answers: small (well under 2 KB), so history does not hold the
 * case view once per action. Read the view itself with caseViewQuery (the API does, after the
 * Update). Cases started before `patched('small-update-results')` answer with the whole CaseView
 * instead, as their histories already do (it carries caseId and status too, but no version).
 */
export interface ActionResult {
  caseId: string;
  /** The view's version after the action: it grows by one every time the case publishes its view. */
  version: number;
  status: CaseStatus;
  produced?: ActionProduced;
}

/** Patch id of small Update results (and the history-size savings that came with them). */
export const SMALL_RESULTS_PATCH = 'small-update-results';

/** Assign the case to an agent. */
export const assignUpdate = defineUpdate<ActionResult, [AssignInput]>('assign');
/** Reply to the customer (the first e-mail reply uses the Welcome template). */
export const replyUpdate = defineUpdate<ActionResult, [ReplyInput]>('reply');
/** Ask the customer to verify their account. */
export const requestVerificationUpdate = defineUpdate<ActionResult, [VerificationRequestInput]>('requestVerification');
/** Complete a checklist step. */
export const completeStepUpdate = defineUpdate<ActionResult, [CompleteStepInput]>('completeStep');
/** Skip a checklist step, with a note. */
export const skipStepUpdate = defineUpdate<ActionResult, [SkipStepInput]>('skipStep');
/** Change the category. */
export const setCategoryUpdate = defineUpdate<ActionResult, [SetCategoryInput]>('setCategory');
/** Add an internal note. */
export const addNoteUpdate = defineUpdate<ActionResult, [NoteInput]>('addNote');
/** Wait for the customer. */
export const waitForCustomerUpdate = defineUpdate<ActionResult, [WaitForCustomerInput]>('waitForCustomer');
/** Resolve the case. */
export const resolveUpdate = defineUpdate<ActionResult, [ResolveInput]>('resolve');
/** Close a resolved case. */
export const closeUpdate = defineUpdate<ActionResult, [CloseInput]>('close');
/** Reopen a resolved case, or a closed one within the reopen window. */
export const reopenUpdate = defineUpdate<ActionResult, [ReopenInput]>('reopen');
/** Record the customer's satisfaction rating (once). */
export const rateUpdate = defineUpdate<ActionResult, [RateInput]>('rate');
/** A customer's message; a signal because intake must never be refused. */
export const customerReplySignal = defineSignal<[CustomerReplyInput]>('customerReply');
/** The case view. */
export const caseViewQuery = defineQuery<CaseView>('caseView');

/** How many idempotency keys a case remembers, and for how long (whichever ends first). */
export const ACTION_KEY_MEMORY = { count: 500, days: 7 };

/** The Update id of an action sent with an Idempotency-Key: per caller, so two callers' keys never meet. */
export const actionUpdateId = (callerId: string, key: string) => `${callerId}:${key}`;

/**
 * A deterministic fingerprint of an action's input (cyrb53 over its JSON), so a key reused with
 * another body is told apart from a retry. Not a security measure: the key is already per caller.
 * Top-level `signature` and `expiresAt` are left out: the API signs each request of an approval
 * decision afresh (a new expiry, so a new signature), and a retry must match its first request.
 * An input without them fingerprints exactly as before, so remembered keys stay valid.
 */
export function inputFingerprint(value: unknown): string {
  let shown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { signature, expiresAt, ...rest } = value as Record<string, unknown>;
    shown = rest;
  }
  const text = JSON.stringify(shown) ?? '';
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** What a case remembers of an idempotency key: the fingerprint of the first input sent with it. */
export const actionKeyQuery = defineQuery<{ fp: string } | null, [string]>('actionKey');

/** Failure types of the lifecycle, which the API maps to HTTP statuses. */
export const CaseFailure = {
  /** The case's status forbids the action (409). */
  StatusForbids: 'CaseStatusForbids',
  /** The action's input does not fit the case (422). */
  InvalidAction: 'InvalidCaseAction',
  /** Already done once and cannot be done again (409). */
  AlreadyDone: 'AlreadyDone',
  /** The Idempotency-Key was first sent with another body (422). */
  IdempotencyKeyReused: 'IdempotencyKeyReused',
} as const;
