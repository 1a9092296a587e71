import assert from 'node:assert/strict';
import {
  APPROVAL_WINDOW_DAYS,
  amountForTier,
  approverRank,
  decisionRefusal,
  tierForAmount,
  type CompensationTally,
} from '../../../src/policy/approvals';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import type { SupportPolicy } from '../../../src/policy/types';

const policy = DEFAULT_POLICY;
const DAY_MS = 24 * 60 * 60_000;
const WINDOW_MS = APPROVAL_WINDOW_DAYS * DAY_MS;
const NOW = Date.parse('2026-03-15T12:00:00Z');

let nextN = 1;
const tally = (totalCents: number, status: string, proposedAtMs: number = NOW - DAY_MS): CompensationTally => ({
  n: nextN++,
  totalCents,
  status,
  proposedAtMs,
});

const PROPOSER = 'u-proposer';
const person = (role: string, id = `u-${role}`) => ({ id, role });

describe('approvals policy', () => {
  describe('amountForTier', () => {
    it('the window is 30 days', () => {
      assert.equal(APPROVAL_WINDOW_DAYS, 30);
    });

    it('a compensation alone counts for its own total', () => {
      assert.equal(amountForTier(4000, [], NOW), 4000);
      assert.equal(amountForTier(0, [], NOW), 0);
    });

    it('adds what the case pays out or has asked to pay out', () => {
      const others = [
        tally(1000, 'pending_approval'),
        tally(200, 'approved'),
        tally(30, 'applying'),
        tally(4, 'applied'),
      ];
      assert.equal(amountForTier(5000, others, NOW), 6234);
    });

    it('rejected, expired and failed compensations do not count', () => {
      const others = [tally(1000, 'rejected'), tally(2000, 'expired'), tally(4000, 'failed'), tally(8, 'applied')];
      assert.equal(amountForTier(100, others, NOW), 108);
    });

    it('the window edges: exactly 30 days ago counts, a millisecond earlier does not', () => {
      assert.equal(amountForTier(100, [tally(1000, 'applied', NOW - WINDOW_MS)], NOW), 1100);
      assert.equal(amountForTier(100, [tally(1000, 'applied', NOW - WINDOW_MS - 1)], NOW), 100);
      assert.equal(amountForTier(100, [tally(1000, 'applied', NOW - WINDOW_MS + 1)], NOW), 1100);
      assert.equal(amountForTier(100, [tally(1000, 'pending_approval', NOW)], NOW), 1100);
      assert.equal(amountForTier(100, [tally(1000, 'applied', NOW - 31 * DAY_MS)], NOW), 100);
    });

    it('only the compensations inside the window and still paying add up', () => {
      const others = [
        tally(1, 'applied', NOW - 29 * DAY_MS),
        tally(10, 'applied', NOW - 31 * DAY_MS),
        tally(100, 'rejected', NOW - DAY_MS),
        tally(1000, 'pending_approval', NOW - 2 * DAY_MS),
      ];
      assert.equal(amountForTier(10000, others, NOW), 11001);
    });

    it('splitting $120 into three $40 compensations still lands in the Operations Director tier', () => {
      const first = tally(4000, 'applied', NOW - 10 * DAY_MS);
      const second = tally(4000, 'pending_approval', NOW - DAY_MS);
      const counted = amountForTier(4000, [first, second], NOW);
      assert.equal(counted, 12000);
      const { tier, needsApproval } = tierForAmount(policy, counted);
      assert.equal(tier.role, 'ops_director');
      assert.equal(tier.label, 'Operations Director');
      assert.equal(needsApproval, true);
      // Each $40 alone would be a Support Lead's.
      assert.equal(tierForAmount(policy, 4000).tier.role, 'support_lead');
    });

    it('does not change the tallies it is given', () => {
      const others = [tally(1000, 'applied'), tally(2000, 'rejected')];
      const copy = structuredClone(others);
      amountForTier(100, others, NOW);
      assert.deepEqual(others, copy);
    });
  });

  describe('tierForAmount', () => {
    const roleAt = (cents: number) => tierForAmount(policy, cents).tier.role;

    it('the first tier needs no approval', () => {
      for (const cents of [0, 1, 999, 1000]) {
        assert.deepEqual(
          tierForAmount(policy, cents),
          { tier: policy.approvalTiers[0], needsApproval: false },
          `${cents}`,
        );
      }
      assert.equal(roleAt(1000), 'agent');
    });

    it('1001 cents needs a Support Lead', () => {
      const { tier, needsApproval } = tierForAmount(policy, 1001);
      assert.equal(tier.role, 'support_lead');
      assert.equal(tier.label, 'Support Lead');
      assert.equal(needsApproval, true);
    });

    it('picks the tier at each boundary', () => {
      assert.deepEqual([1000, 1001, 5000, 5001, 10000, 10001].map(roleAt), [
        'agent',
        'support_lead',
        'support_lead',
        'support_manager',
        'support_manager',
        'ops_director',
      ]);
      assert.deepEqual(
        [1000, 1001, 5000, 5001, 10000, 10001].map((c) => tierForAmount(policy, c).needsApproval),
        [false, true, true, true, true, true],
      );
    });

    it('returns the policy tier itself, and the last tier has no ceiling', () => {
      assert.equal(tierForAmount(policy, 5001).tier, policy.approvalTiers[2]);
      assert.equal(roleAt(1_000_000_00), 'ops_director');
    });

    it("follows the policy's tiers", () => {
      const custom: SupportPolicy = {
        ...policy,
        approvalTiers: [
          { role: 'support_lead', label: 'Lead', maxCents: 2000 },
          { role: 'ops_director', label: 'Director', maxCents: null },
        ],
      };
      assert.deepEqual(tierForAmount(custom, 2000), { tier: custom.approvalTiers[0], needsApproval: false });
      assert.deepEqual(tierForAmount(custom, 2001), { tier: custom.approvalTiers[1], needsApproval: true });
    });

    it('throws when no tier covers the amount', () => {
      const capped: SupportPolicy = {
        ...policy,
        approvalTiers: [{ role: 'agent', label: 'Tier 1 Support', maxCents: 1000 }],
      };
      assert.throws(() => tierForAmount(capped, 1001), /no approval tier covers 1001 cents/);
      assert.equal(tierForAmount(capped, 1000).needsApproval, false);
    });
  });

  describe('approverRank', () => {
    it('ranks the tiers in the order of the policy', () => {
      assert.deepEqual(
        ['agent', 'support_lead', 'support_manager', 'ops_director'].map((r) => approverRank(policy, r)),
        [0, 1, 2, 3],
      );
    });

    it('admin approves nothing under the default policy', () => {
      assert.equal(approverRank(policy, 'admin'), -1);
    });

    it('roles outside the chain and unknown roles are -1', () => {
      for (const role of ['engineer', 'intake', 'system', 'customer', '', 'Support_Lead', '__proto__', 'constructor']) {
        assert.equal(approverRank(policy, role), -1, role);
      }
    });

    it("follows a policy's own order", () => {
      const reordered: SupportPolicy = {
        ...policy,
        approvalTiers: [
          { role: 'support_manager', label: 'Manager', maxCents: 3000 },
          { role: 'admin', label: 'Admin', maxCents: null },
        ],
      };
      assert.equal(approverRank(reordered, 'support_manager'), 0);
      assert.equal(approverRank(reordered, 'admin'), 1);
      assert.equal(approverRank(reordered, 'support_lead'), -1);
      assert.equal(approverRank(reordered, 'ops_director'), -1);
    });
  });

  describe('decisionRefusal', () => {
    const PROPOSER_REFUSAL = 'the proposer of a compensation cannot decide its approval';
    const BELOW = 'below the tier this compensation needs';

    it('refuses the proposer whatever their role, the Operations Director included', () => {
      for (const role of ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin', 'engineer']) {
        assert.equal(decisionRefusal(policy, person(role, PROPOSER), PROPOSER, 'support_lead'), PROPOSER_REFUSAL, role);
      }
      assert.equal(decisionRefusal(policy, person('ops_director', PROPOSER), PROPOSER, 'agent'), PROPOSER_REFUSAL);
    });

    it('refuses a Support Lead for a Support Manager tier', () => {
      assert.equal(decisionRefusal(policy, person('support_lead'), PROPOSER, 'support_manager'), BELOW);
      assert.equal(decisionRefusal(policy, person('support_lead'), PROPOSER, 'ops_director'), BELOW);
      assert.equal(decisionRefusal(policy, person('support_manager'), PROPOSER, 'ops_director'), BELOW);
      assert.equal(decisionRefusal(policy, person('agent'), PROPOSER, 'support_lead'), BELOW);
    });

    it('lets a role decide its own tier and every tier below it', () => {
      assert.equal(decisionRefusal(policy, person('support_manager'), PROPOSER, 'support_lead'), null);
      assert.equal(decisionRefusal(policy, person('support_lead'), PROPOSER, 'support_lead'), null);
      assert.equal(decisionRefusal(policy, person('support_manager'), PROPOSER, 'support_manager'), null);
      for (const tier of ['agent', 'support_lead', 'support_manager', 'ops_director'] as const) {
        assert.equal(decisionRefusal(policy, person('ops_director'), PROPOSER, tier), null, tier);
      }
    });

    it('refuses roles outside the approval chain, admin included under the default policy', () => {
      for (const role of ['admin', 'engineer', 'intake', 'unknown']) {
        assert.equal(
          decisionRefusal(policy, person(role), PROPOSER, 'support_lead'),
          `role '${role}' approves no compensation under this policy`,
          role,
        );
      }
      assert.equal(
        decisionRefusal(policy, person('admin'), PROPOSER, 'agent'),
        "role 'admin' approves no compensation under this policy",
      );
    });

    it('lets admin decide when a copy of the policy lists admin as a tier', () => {
      const withAdmin: SupportPolicy = {
        ...policy,
        approvalTiers: [...policy.approvalTiers, { role: 'admin', label: 'Administrator', maxCents: null }],
      };
      assert.equal(approverRank(withAdmin, 'admin'), 4);
      for (const tier of ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin'] as const) {
        assert.equal(decisionRefusal(withAdmin, person('admin'), PROPOSER, tier), null, tier);
      }
      assert.equal(decisionRefusal(withAdmin, person('ops_director'), PROPOSER, 'admin'), BELOW);
      // Still never their own proposal.
      assert.equal(decisionRefusal(withAdmin, person('admin', PROPOSER), PROPOSER, 'agent'), PROPOSER_REFUSAL);
      // The copy leaves the default policy as it was.
      assert.equal(approverRank(policy, 'admin'), -1);
      assert.equal(policy.approvalTiers.length, 4);
    });
  });
});
