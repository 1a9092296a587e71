// Compensation's contract: proposing (and amending) a compensation, deciding its approval by
// Update or signal, the Stripe events a case acts on, approval ids and the search attributes that
// list pending approvals.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ActionResult } from '../case/contract';
import type { Actor } from '../case/state';

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

/** Compensation's search attributes. */
export const COMPENSATION_SEARCH_ATTRIBUTES = [
  CasePendingApprovalAttr,
  CaseApprovalTierAttr,
  CaseApprovalCentsAttr,
  CaseApprovalIdAttr,
  CaseApprovalProposerAttr,
  CasePaymentIntentAttr,
];

/** Failure types of approvals, which the API maps to HTTP statuses. */
export const CompensationFailure = {
  /** The approver's role is below the request's tier, or they proposed it (403). */
  ApprovalNotPermitted: 'ApprovalNotPermitted',
  /** The decision names an amount the proposal no longer has (409). */
  StaleApproval: 'StaleApproval',
} as const;

/** Propose compensation by a guideline of the policy (or custom, with a reason); the workflow computes the amounts. */
export interface ProposeCompensationInput {
  actor: Actor;
  guideline:
    'service_outage' | 'tutor_no_show' | 'payment_error' | 'minor_inconvenience' | 'major_inconvenience' | 'custom';
  creditCents?: number;
  refundCents?: number;
  reason?: string;
  /** What went wrong, in the customer's words for the e-mail ("your session on Monday"); defaults to the case subject. */
  issue?: string;
  /** The pending compensation (its number) this proposal changes; without it, a new compensation. */
  amends?: number;
}

/** A decision on an approval request; it names the amount it approves, so a stale click on a changed proposal is refused. */
export interface ApprovalDecisionInput {
  actor: Actor;
  approvalId: string;
  decision: 'approve' | 'reject';
  amountCents: number;
  note?: string;
  via?: 'api' | 'slack' | 'signal';
  /**
   * The product's HMAC over approvalId, decision, amountCents, actor and expiresAt: the actor is who
   * the API authenticated (or `npm run approval-decision` signed for), never what a payload claims.
   */
  signature?: string;
  /** When the signature stops being valid (ISO timestamp). */
  expiresAt?: string;
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
export const proposeCompensationUpdate = defineUpdate<ActionResult, [ProposeCompensationInput]>('proposeCompensation');
/** Approve or reject an approval request; refused synchronously when the rules say no. */
export const decideApprovalUpdate = defineUpdate<ActionResult, [ApprovalDecisionInput]>('decideApproval');
/** The same decision as a signal (Temporal CLI/UI); a signal cannot be refused, so the workflow records refused ones. */
export const approvalDecisionSignal = defineSignal<[ApprovalDecisionInput]>('approvalDecision');
/** A verified Stripe webhook event for this case; replays of an event id are ignored. */
export const stripeEventSignal = defineSignal<[StripeEventInput]>('stripeEvent');

/** Approval request id of a case's n-th compensation. */
export const approvalIdOf = (caseId: string, n: number) => `${caseId}-C${n}`;
/** Approval ids: the case id, then -C and the compensation number. */
export const APPROVAL_ID_PATTERN = /^(ES-[A-Z0-9]{6,20})-C([1-9][0-9]{0,3})$/;
