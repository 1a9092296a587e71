import assert from 'node:assert/strict';
import {
  signApprovalDecision,
  verifyApprovalDecision,
  type ApprovalClaim,
} from '../../../src/security/approval-signature';

const SECRET = 'test-approval-secret-0123456789abcdef';
const NOW = Date.parse('2025-03-03T12:00:00Z');
const claim: ApprovalClaim = {
  approvalId: 'ES-ABC123-C1',
  decision: 'approve',
  amountCents: 4950,
  approver: { id: 'lee-lead', name: 'Lee Lead', role: 'support_lead' },
  expiresAt: '2025-03-03T12:05:00.000Z',
};

describe('approval-signature', () => {
  it('accepts a decision signed with the secret before it expires', () => {
    const sig = signApprovalDecision(SECRET, claim);
    assert.match(sig, /^[0-9a-f]{64}$/);
    assert.deepEqual(verifyApprovalDecision(SECRET, claim, sig, NOW), { ok: true });
  });

  it('refuses an unsigned decision', () => {
    assert.deepEqual(verifyApprovalDecision(SECRET, claim, undefined, NOW), { ok: false, reason: 'unsigned' });
    assert.deepEqual(verifyApprovalDecision(SECRET, claim, '', NOW), { ok: false, reason: 'unsigned' });
  });

  it('refuses a signature made with another secret, or garbage', () => {
    const other = signApprovalDecision('another-secret-0123456789abcdef0000', claim);
    for (const sig of [other, 'abc', `${signApprovalDecision(SECRET, claim)}0`, 'z'.repeat(64)]) {
      assert.deepEqual(verifyApprovalDecision(SECRET, claim, sig, NOW), { ok: false, reason: 'bad signature' }, sig);
    }
  });

  it('refuses a signature over any other field: amount, decision, request, approver, expiry', () => {
    const sig = signApprovalDecision(SECRET, claim);
    const changed: ApprovalClaim[] = [
      { ...claim, amountCents: 4951 },
      { ...claim, decision: 'reject' },
      { ...claim, approvalId: 'ES-ABC123-C2' },
      { ...claim, approver: { ...claim.approver, role: 'admin' } },
      { ...claim, approver: { ...claim.approver, id: 'ada-admin' } },
      { ...claim, approver: { ...claim.approver, name: 'Ada Admin' } },
      { ...claim, expiresAt: '2099-01-01T00:00:00.000Z' },
    ];
    for (const c of changed)
      assert.deepEqual(verifyApprovalDecision(SECRET, c, sig, NOW), { ok: false, reason: 'bad signature' });
  });

  it('does not let one field bleed into the next', () => {
    const a = { ...claim, approver: { id: 'lee', name: 'lead Lee', role: 'support_lead' } };
    const b = { ...claim, approver: { id: 'lee lead', name: 'Lee', role: 'support_lead' } };
    assert.notEqual(signApprovalDecision(SECRET, a), signApprovalDecision(SECRET, b));
  });

  it('refuses a correctly signed decision once it has expired, or with an expiry that is no time', () => {
    const sig = signApprovalDecision(SECRET, claim);
    assert.deepEqual(verifyApprovalDecision(SECRET, claim, sig, Date.parse(claim.expiresAt)), {
      ok: false,
      reason: 'expired',
    });
    const nonsense = { ...claim, expiresAt: 'tomorrow' };
    assert.deepEqual(verifyApprovalDecision(SECRET, nonsense, signApprovalDecision(SECRET, nonsense), NOW), {
      ok: false,
      reason: 'expired',
    });
  });
});
