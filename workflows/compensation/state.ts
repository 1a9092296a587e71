// What compensation adds to a case: the compensations with their approvals and Stripe results, a
// dispute on the case's payment, and the Stripe events already handled.
import type { CompensationAmounts } from '../../src/policy/compensation';
import type { Role } from '../../src/policy/types';

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
export interface CompensationRecord extends Pick<
  CompensationAmounts,
  'refundCents' | 'creditCents' | 'freeSessionCreditCents' | 'totalCents' | 'currency' | 'lines'
> {
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
export interface DisputeFacts {
  disputeId: string;
  chargeId?: string;
  amountCents?: number;
  currency?: string;
  reason?: string;
  status?: string;
  openedAt: string;
}

/** Compensation's part of the case view. */
export interface CompensationSlice {
  /** Compensations proposed on the case, oldest first (absent on cases that never had one). */
  compensations?: CompensationRecord[];
  /** A Stripe dispute on the case's payment, from the charge.dispute.created webhook. */
  dispute?: DisputeFacts;
  /** Ids of the Stripe events the case has handled (the last 50), so a replayed webhook has no second effect. */
  stripeEventIds?: string[];
}
