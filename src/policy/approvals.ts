// Who may decide a compensation's approval, and how much a new compensation counts for when its
// tier is picked. Pure and deterministic: the case workflow calls these directly.
import { approvalTierFor } from './rules';
import type { ApprovalTier, Role, SupportPolicy } from './types';

/** Days over which a case's compensations add up when a new one's tier is picked. */
export const APPROVAL_WINDOW_DAYS = 30;

/** A compensation as far as the tier rules need it. */
export interface CompensationTally {
  n: number;
  totalCents: number;
  status: string;
  proposedAtMs: number;
}

/** Statuses that no longer count towards what a case pays out. */
const NOT_PAYING = ['rejected', 'expired', 'failed'];

/**
 * What a new (or amended) compensation counts for: its own total plus everything else the case
 * pays out or has asked to pay out in the last 30 days, so splitting $120 into three $40
 * compensations still needs the tier that approves $120.
 */
export function amountForTier(totalCents: number, others: CompensationTally[], nowMs: number): number {
  const since = nowMs - APPROVAL_WINDOW_DAYS * 24 * 60 * 60_000;
  return (
    totalCents +
    others
      .filter((c) => !NOT_PAYING.includes(c.status) && c.proposedAtMs >= since)
      .reduce((sum, c) => sum + c.totalCents, 0)
  );
}

/** The tier that must approve this amount; the first tier's amounts need nobody else. */
export function tierForAmount(policy: SupportPolicy, cents: number): { tier: ApprovalTier; needsApproval: boolean } {
  const tier = approvalTierFor(policy, cents);
  return { tier, needsApproval: policy.approvalTiers.indexOf(tier) > 0 };
}

/** A role's rank among the approval tiers (higher approves more); -1 when it approves nothing. */
export function approverRank(policy: SupportPolicy, role: Role | string): number {
  return policy.approvalTiers.findIndex((t) => t.role === role);
}

/**
 * Why this person may not decide an approval that needs `tierRole`, or null when they may. Nobody
 * decides their own proposal, whatever their role; a role approves when its tier is at or above
 * the needed one (admin only if the policy lists it as a tier).
 */
export function decisionRefusal(
  policy: SupportPolicy,
  decider: { id: string; role: string },
  proposerId: string,
  tierRole: Role,
): string | null {
  if (decider.id === proposerId) return 'the proposer of a compensation cannot decide its approval';
  const rank = approverRank(policy, decider.role);
  if (rank < 0) return `role '${decider.role}' approves no compensation under this policy`;
  const needed = approverRank(policy, tierRole);
  if (needed < 0) return `the policy has no approval tier '${tierRole}'`;
  if (rank < needed) return 'below the tier this compensation needs';
  return null;
}
