// Compensation amounts and approval authority from the policy's Compensation Guidelines and
// Approval Required tables. Pure and deterministic: the case workflow calls these directly.
import { approvalTierFor } from './rules';
import type { ApprovalTier, CompensationGuideline, Role, SupportPolicy } from './types';

/** What an agent proposes: a seed guideline, or a custom amount with a reason. */
export interface CompensationProposal {
  guideline: CompensationGuideline['id'] | 'custom';
  /** Credit in cents: picked within a guideline's range, or the custom credit. */
  creditCents?: number;
  /** Refund in cents; custom proposals only (guidelines refund what is still refundable). */
  refundCents?: number;
  reason?: string;
}

/** The case's payment as Stripe reports it; null when the case has none. */
export interface CompensationPayment {
  amountCents: number;
  amountRefundedCents: number;
  currency: string;
}

/** What a valid proposal comes to, with the tier that must approve it. */
export interface CompensationAmounts {
  ok: true;
  refundCents: number;
  creditCents: number;
  freeSessionCreditCents: number;
  /** Everything paid out: refund + credit + free-session value (DESIGN.md decision 2). */
  totalCents: number;
  currency: string;
  /** Human lines for the Compensation Offered e-mail, one per thing applied. */
  lines: string[];
  tier: ApprovalTier;
}

/** A computed compensation, or why the proposal is not acceptable. */
export type CompensationResult = CompensationAmounts | { ok: false; error: string };

/** Currency of credits when the case has no payment to take it from. */
export const DEFAULT_CURRENCY = 'usd';

const isCents = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Computes a proposal's amounts from the policy and the case's payment; never throws. */
export function computeCompensation(
  policy: SupportPolicy,
  proposal: CompensationProposal,
  payment: CompensationPayment | null,
): CompensationResult {
  const fail = (error: string): CompensationResult => ({ ok: false, error });
  if (payment) {
    if (
      !isCents(payment.amountCents) ||
      !isCents(payment.amountRefundedCents) ||
      payment.amountRefundedCents > payment.amountCents
    ) {
      return fail('the payment must have integer cent amounts, with no more refunded than paid');
    }
  }
  const currency = payment ? payment.currency.toLowerCase() : DEFAULT_CURRENCY;
  const refundable = payment ? payment.amountCents - payment.amountRefundedCents : 0;
  if (proposal.creditCents !== undefined && !isCents(proposal.creditCents))
    return fail('creditCents must be a non-negative integer');
  if (proposal.refundCents !== undefined && !isCents(proposal.refundCents))
    return fail('refundCents must be a non-negative integer');

  let refundCents = 0;
  let creditCents = 0;
  let freeSessionCreditCents = 0;

  if (proposal.guideline === 'custom') {
    if (!proposal.reason?.trim()) return fail('a custom compensation needs a reason');
    refundCents = proposal.refundCents ?? 0;
    creditCents = proposal.creditCents ?? 0;
    if (refundCents > 0 && !payment) return fail('a refund needs a payment on the case');
    if (refundCents > refundable) {
      return fail(
        `the refund of ${formatCents(refundCents, currency)} exceeds the ${formatCents(refundable, currency)} still refundable`,
      );
    }
  } else {
    const g = policy.compensation.find((c) => c.id === proposal.guideline);
    if (!g) return fail(`unknown compensation guideline '${proposal.guideline}'`);
    if (proposal.refundCents !== undefined)
      return fail('refundCents applies to custom compensation only; a guideline refunds what is still refundable');
    if ((g.refund === 'full' || g.creditPercent !== undefined || g.freeSessionCredit) && !payment) {
      return fail(`'${g.issueType}' needs the case's payment`);
    }
    if (g.refund === 'full') refundCents = refundable;
    if (g.creditRangeCents) {
      const [min, max] = g.creditRangeCents;
      const picked = proposal.creditCents ?? (min === max ? min : undefined);
      if (picked === undefined)
        return fail(`pick a credit between ${formatCents(min, currency)} and ${formatCents(max, currency)}`);
      if (picked < min || picked > max) {
        return fail(
          min === max
            ? `'${g.issueType}' credits exactly ${formatCents(min, currency)}`
            : `the credit must be between ${formatCents(min, currency)} and ${formatCents(max, currency)}`,
        );
      }
      creditCents += picked;
    } else if (proposal.creditCents !== undefined) {
      return fail(`the credit for '${g.issueType}' is computed from the payment, not picked`);
    }
    if (g.creditPercent !== undefined && payment) {
      // Basis points keep the arithmetic in integers, so 0.1 * 4505 rounds half up to 451, not 450.
      const bp = Math.round(g.creditPercent * 10_000);
      creditCents += Math.floor((payment.amountCents * bp + 5_000) / 10_000);
    }
    if (g.freeSessionCredit && payment) freeSessionCreditCents = payment.amountCents;
  }

  const totalCents = refundCents + creditCents + freeSessionCreditCents;
  if (totalCents === 0) return fail('the compensation comes to nothing');
  if (!Number.isSafeInteger(totalCents)) return fail('the compensation is too large');
  let tier: ApprovalTier;
  try {
    tier = approvalTierFor(policy, totalCents);
  } catch {
    return fail(`no approval tier of the policy covers ${formatCents(totalCents, currency)}`);
  }
  const lines: string[] = [];
  if (refundCents > 0) lines.push(`Refund of ${formatCents(refundCents, currency)} to your card`);
  if (creditCents > 0) lines.push(`Account credit of ${formatCents(creditCents, currency)}`);
  if (freeSessionCreditCents > 0)
    lines.push(`Free session credit worth ${formatCents(freeSessionCreditCents, currency)}`);
  return { ok: true, refundCents, creditCents, freeSessionCreditCents, totalCents, currency, lines, tier };
}

/** Whether a role may approve this total: its own tier covers it; admin approves anything. */
export function canApprove(policy: SupportPolicy, role: Role, totalCents: number): boolean {
  if (!isCents(totalCents)) return false;
  if (role === 'admin') return true;
  const own = policy.approvalTiers.find((t) => t.role === role);
  return own !== undefined && (own.maxCents === null || totalCents <= own.maxCents);
}

/**
 * The approval tiers whose pending requests a role may decide: its own tier and every tier below
 * it. Admin decides every tier; a role outside the approval chain decides none.
 */
export function decidableTiers(policy: SupportPolicy, role: string): ApprovalTier[] {
  const rank = (r: string) =>
    r === 'admin' ? Number.MAX_SAFE_INTEGER : policy.approvalTiers.findIndex((t) => t.role === r);
  return policy.approvalTiers.filter((t) => rank(t.role) <= rank(role));
}

/** The tier above this one, where an unanswered approval escalates; null at the top. */
export function nextTier(policy: SupportPolicy, tier: ApprovalTier | Role): ApprovalTier | null {
  const role = typeof tier === 'string' ? tier : tier.role;
  const i = policy.approvalTiers.findIndex((t) => t.role === role);
  return i < 0 ? null : (policy.approvalTiers[i + 1] ?? null);
}

const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£' };
// Stripe amounts in these currencies are whole units, not hundredths.
const ZERO_DECIMAL = [
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
];

/** An amount in Stripe's smallest unit as people read it: formatCents(4500, 'usd') is '$45.00'. */
export function formatCents(cents: number, currency: string): string {
  const cur = currency.toLowerCase();
  const decimals = ZERO_DECIMAL.includes(cur) ? 0 : 2;
  const abs = Math.abs(Math.trunc(cents));
  const units = Math.floor(abs / 10 ** decimals);
  const grouped = String(units).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const number = decimals === 0 ? grouped : `${grouped}.${String(abs % 100).padStart(2, '0')}`;
  const sign = cents < 0 ? '-' : '';
  const symbol = SYMBOLS[cur];
  return symbol ? `${sign}${symbol}${number}` : `${sign}${number} ${cur.toUpperCase()}`;
}
