import assert from 'node:assert/strict';
import {
  canApprove,
  computeCompensation,
  decidableTiers,
  formatCents,
  nextTier,
  type CompensationAmounts,
  type CompensationPayment,
  type CompensationProposal,
  type CompensationResult,
} from '../../../src/policy/compensation';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import type { ApprovalTier, Role, SupportPolicy } from '../../../src/policy/types';

const policy = DEFAULT_POLICY;
const paid = (amountCents: number, amountRefundedCents = 0, currency = 'usd'): CompensationPayment => ({
  amountCents,
  amountRefundedCents,
  currency,
});

function ok(result: CompensationResult): CompensationAmounts {
  if (!result.ok) assert.fail(`expected a valid compensation, got: ${result.error}`);
  return result;
}

function error(result: CompensationResult): string {
  if (result.ok) assert.fail(`expected a refused proposal, got ${JSON.stringify(result)}`);
  return result.error;
}

const compute = (proposal: CompensationProposal, payment: CompensationPayment | null = paid(4500)) =>
  computeCompensation(policy, proposal, payment);

describe('compensation policy', () => {
  describe('computeCompensation: the seed guidelines', () => {
    it('service outage: full refund plus a 10% credit', () => {
      const c = ok(compute({ guideline: 'service_outage' }));
      assert.deepEqual(
        {
          refund: c.refundCents,
          credit: c.creditCents,
          free: c.freeSessionCreditCents,
          total: c.totalCents,
          currency: c.currency,
        },
        { refund: 4500, credit: 450, free: 0, total: 4950, currency: 'usd' },
      );
      assert.deepEqual(c.lines, ['Refund of $45.00 to your card', 'Account credit of $4.50']);
      assert.equal(c.tier.role, 'support_lead');
    });

    it('service outage: the 10% credit rounds half up to the cent, in integers', () => {
      assert.equal(ok(compute({ guideline: 'service_outage' }, paid(4505))).creditCents, 451);
      assert.equal(ok(compute({ guideline: 'service_outage' }, paid(4504))).creditCents, 450);
      assert.equal(ok(compute({ guideline: 'service_outage' }, paid(4515))).creditCents, 452);
      assert.equal(ok(compute({ guideline: 'service_outage' }, paid(1))).creditCents, 0);
      assert.equal(ok(compute({ guideline: 'service_outage' }, paid(5))).creditCents, 1);
    });

    it('tutor no-show: full refund plus a free session credit worth the session', () => {
      const c = ok(compute({ guideline: 'tutor_no_show' }, paid(6000)));
      assert.deepEqual([c.refundCents, c.creditCents, c.freeSessionCreditCents, c.totalCents], [6000, 0, 6000, 12000]);
      assert.deepEqual(c.lines, ['Refund of $60.00 to your card', 'Free session credit worth $60.00']);
      assert.equal(c.tier.role, 'ops_director');
    });

    it('payment processing error: refund plus a $5 credit', () => {
      const c = ok(compute({ guideline: 'payment_error' }));
      assert.deepEqual([c.refundCents, c.creditCents, c.totalCents], [4500, 500, 5000]);
      assert.deepEqual(c.lines, ['Refund of $45.00 to your card', 'Account credit of $5.00']);
      assert.equal(ok(compute({ guideline: 'payment_error', creditCents: 500 })).creditCents, 500);
      assert.match(error(compute({ guideline: 'payment_error', creditCents: 600 })), /exactly \$5\.00/);
    });

    it('minor inconvenience: the agent picks a credit from $5 to $10, no refund', () => {
      for (const credit of [500, 750, 1000]) {
        const c = ok(compute({ guideline: 'minor_inconvenience', creditCents: credit }));
        assert.deepEqual([c.refundCents, c.creditCents, c.totalCents], [0, credit, credit]);
        assert.equal(c.tier.role, 'agent');
      }
      assert.deepEqual(ok(compute({ guideline: 'minor_inconvenience', creditCents: 750 })).lines, [
        'Account credit of $7.50',
      ]);
    });

    it('major inconvenience: the agent picks a credit from $15 to $25', () => {
      const c = ok(compute({ guideline: 'major_inconvenience', creditCents: 2500 }));
      assert.deepEqual([c.refundCents, c.creditCents, c.totalCents], [0, 2500, 2500]);
      assert.equal(c.tier.role, 'support_lead');
    });

    it('refuses a credit outside the range, or no pick at all', () => {
      assert.match(
        error(compute({ guideline: 'minor_inconvenience', creditCents: 499 })),
        /between \$5\.00 and \$10\.00/,
      );
      assert.match(
        error(compute({ guideline: 'minor_inconvenience', creditCents: 1001 })),
        /between \$5\.00 and \$10\.00/,
      );
      assert.match(
        error(compute({ guideline: 'major_inconvenience', creditCents: 1499 })),
        /between \$15\.00 and \$25\.00/,
      );
      assert.match(
        error(compute({ guideline: 'major_inconvenience', creditCents: 2501 })),
        /between \$15\.00 and \$25\.00/,
      );
      assert.match(error(compute({ guideline: 'major_inconvenience' })), /pick a credit between \$15\.00 and \$25\.00/);
    });

    it('credit-only guidelines need no payment', () => {
      const c = ok(compute({ guideline: 'minor_inconvenience', creditCents: 500 }, null));
      assert.deepEqual([c.refundCents, c.creditCents, c.currency], [0, 500, 'usd']);
    });

    it('refuses a refund guideline when the case has no payment', () => {
      for (const guideline of ['service_outage', 'tutor_no_show', 'payment_error'] as const) {
        assert.match(error(compute({ guideline }, null)), /needs the case's payment/);
      }
    });

    it('refuses fractional, negative or misplaced amounts', () => {
      assert.match(error(compute({ guideline: 'minor_inconvenience', creditCents: 750.5 })), /integer/);
      assert.match(error(compute({ guideline: 'custom', creditCents: -100, reason: 'x' })), /integer/);
      assert.match(error(compute({ guideline: 'service_outage', creditCents: 1000 })), /computed from the payment/);
      assert.match(error(compute({ guideline: 'payment_error', refundCents: 100 })), /custom compensation only/);
      assert.match(error(compute({ guideline: 'service_outage' }, paid(4500.5))), /integer cent/);
      assert.match(error(compute({ guideline: 'service_outage' }, paid(4500, 5000))), /no more refunded than paid/);
    });

    it('refuses a guideline the policy does not have', () => {
      const noOutage: SupportPolicy = {
        ...policy,
        compensation: policy.compensation.filter((g) => g.id !== 'service_outage'),
      };
      assert.match(
        error(computeCompensation(noOutage, { guideline: 'service_outage' }, paid(4500))),
        /unknown compensation guideline/,
      );
    });
  });

  describe('computeCompensation: what is still refundable', () => {
    it('a full refund of a partially refunded charge refunds only the rest; the credit still counts the whole session', () => {
      const c = ok(compute({ guideline: 'service_outage' }, paid(4500, 2000)));
      assert.deepEqual([c.refundCents, c.creditCents, c.totalCents], [2500, 450, 2950]);
      assert.deepEqual(c.lines, ['Refund of $25.00 to your card', 'Account credit of $4.50']);
    });

    it('a fully refunded charge leaves only the credits, and no refund line', () => {
      const c = ok(compute({ guideline: 'tutor_no_show' }, paid(6000, 6000)));
      assert.deepEqual([c.refundCents, c.freeSessionCreditCents, c.totalCents], [0, 6000, 6000]);
      assert.deepEqual(c.lines, ['Free session credit worth $60.00']);
    });

    it('a custom refund may not exceed what remains', () => {
      assert.equal(
        ok(compute({ guideline: 'custom', refundCents: 2500, reason: 'partial' }, paid(4500, 2000))).refundCents,
        2500,
      );
      assert.match(
        error(compute({ guideline: 'custom', refundCents: 2501, reason: 'partial' }, paid(4500, 2000))),
        /refund of \$25\.01 exceeds the \$25\.00 still refundable/,
      );
    });
  });

  describe('computeCompensation: custom', () => {
    it("takes the agent's refund and credit with a reason", () => {
      const c = ok(
        compute({ guideline: 'custom', refundCents: 1000, creditCents: 300, reason: 'Double-booked twice' }),
      );
      assert.deepEqual([c.refundCents, c.creditCents, c.freeSessionCreditCents, c.totalCents], [1000, 300, 0, 1300]);
      assert.deepEqual(c.lines, ['Refund of $10.00 to your card', 'Account credit of $3.00']);
    });

    it('needs a non-empty reason', () => {
      assert.match(error(compute({ guideline: 'custom', creditCents: 300 })), /needs a reason/);
      assert.match(error(compute({ guideline: 'custom', creditCents: 300, reason: '   ' })), /needs a reason/);
    });

    it('a custom refund needs a payment; a custom credit does not', () => {
      assert.match(error(compute({ guideline: 'custom', refundCents: 300, reason: 'x' }, null)), /needs a payment/);
      assert.equal(ok(compute({ guideline: 'custom', creditCents: 300, reason: 'x' }, null)).totalCents, 300);
    });

    it('refuses a compensation that comes to nothing', () => {
      assert.match(error(compute({ guideline: 'custom', reason: 'nothing' })), /comes to nothing/);
    });
  });

  describe('approval tiers of the total (DESIGN.md decision 2)', () => {
    const tierOf = (cents: number) =>
      ok(compute({ guideline: 'custom', creditCents: cents, reason: 'tier check' }, null)).tier.role;

    it('picks the tier at each boundary', () => {
      assert.deepEqual([1000, 1001, 5000, 5001, 10000, 10001].map(tierOf), [
        'agent',
        'support_lead',
        'support_lead',
        'support_manager',
        'support_manager',
        'ops_director',
      ]);
    });

    it('counts refund, credit and free-session value together', () => {
      // $45 no-show: $45 refund + $45 session = $90, a Support Manager's.
      assert.equal(ok(compute({ guideline: 'tutor_no_show' })).tier.role, 'support_manager');
    });
  });

  describe('canApprove', () => {
    const roles: Role[] = ['agent', 'support_lead', 'support_manager', 'ops_director'];
    const approvers = (cents: number) => roles.filter((r) => canApprove(policy, r, cents));

    it('a role approves up to its own tier', () => {
      assert.deepEqual(approvers(1000), roles);
      assert.deepEqual(approvers(1001), ['support_lead', 'support_manager', 'ops_director']);
      assert.deepEqual(approvers(5000), ['support_lead', 'support_manager', 'ops_director']);
      assert.deepEqual(approvers(5001), ['support_manager', 'ops_director']);
      assert.deepEqual(approvers(10000), ['support_manager', 'ops_director']);
      assert.deepEqual(approvers(10001), ['ops_director']);
    });

    it('a Support Lead cannot approve $75', () => {
      assert.equal(canApprove(policy, 'support_lead', 7500), false);
      assert.equal(canApprove(policy, 'support_manager', 7500), true);
    });

    it('the Operations Director and admin approve anything', () => {
      for (const cents of [0, 10001, 1_000_000_00]) {
        assert.equal(canApprove(policy, 'ops_director', cents), true);
        assert.equal(canApprove(policy, 'admin', cents), true);
      }
    });

    it('roles outside the approval chain approve nothing, and bad amounts are never approved', () => {
      assert.equal(canApprove(policy, 'engineer', 100), false);
      assert.equal(canApprove(policy, 'intake', 100), false);
      assert.equal(canApprove(policy, 'admin', -1), false);
      assert.equal(canApprove(policy, 'ops_director', 10.5), false);
    });
  });

  describe('decidableTiers', () => {
    const decides = (role: string) => decidableTiers(policy, role).map((t) => t.role);

    it('a role decides its own tier and every tier below it', () => {
      assert.deepEqual(decides('agent'), ['agent']);
      assert.deepEqual(decides('support_lead'), ['agent', 'support_lead']);
      assert.deepEqual(decides('support_manager'), ['agent', 'support_lead', 'support_manager']);
      assert.deepEqual(decides('ops_director'), ['agent', 'support_lead', 'support_manager', 'ops_director']);
    });

    it('admin decides every tier; roles outside the approval chain decide none', () => {
      assert.deepEqual(decides('admin'), ['agent', 'support_lead', 'support_manager', 'ops_director']);
      for (const role of ['engineer', 'intake', 'system', 'customer']) assert.deepEqual(decides(role), [], role);
    });

    it("follows the order of the policy's tiers, not a fixed list of roles", () => {
      const custom: SupportPolicy = {
        ...policy,
        approvalTiers: [
          { role: 'support_lead', label: 'Lead', maxCents: 2000 },
          { role: 'ops_director', label: 'Director', maxCents: null },
        ],
      };
      assert.deepEqual(
        decidableTiers(custom, 'support_lead').map((t) => t.label),
        ['Lead'],
      );
      assert.deepEqual(
        decidableTiers(custom, 'ops_director').map((t) => t.label),
        ['Lead', 'Director'],
      );
      assert.deepEqual(decidableTiers(custom, 'agent'), []);
    });
  });

  describe('nextTier', () => {
    it('climbs agent, Support Lead, Support Manager, Operations Director, then stops', () => {
      const chain: (string | null)[] = [];
      let tier: ApprovalTier | null = policy.approvalTiers[0] ?? null;
      while (tier) {
        chain.push(tier.role);
        tier = nextTier(policy, tier);
      }
      assert.deepEqual(chain, ['agent', 'support_lead', 'support_manager', 'ops_director']);
      assert.equal(nextTier(policy, 'support_lead')?.label, 'Support Manager');
      assert.equal(nextTier(policy, 'ops_director'), null);
      assert.equal(nextTier(policy, 'engineer'), null);
    });
  });

  describe('formatCents', () => {
    it('formats cents as people read them', () => {
      assert.equal(formatCents(4500, 'usd'), '$45.00');
      assert.equal(formatCents(451, 'USD'), '$4.51');
      assert.equal(formatCents(5, 'usd'), '$0.05');
      assert.equal(formatCents(0, 'usd'), '$0.00');
      assert.equal(formatCents(123456789, 'usd'), '$1,234,567.89');
      assert.equal(formatCents(-500, 'usd'), '-$5.00');
      assert.equal(formatCents(1999, 'eur'), '€19.99');
      assert.equal(formatCents(1999, 'chf'), '19.99 CHF');
      assert.equal(formatCents(1500, 'jpy'), '1,500 JPY');
    });
  });
});
