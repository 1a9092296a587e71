// Approval decisions that travel as raw signals (Temporal CLI, Web UI) carry an HMAC the product
// made over what the decision means: which request, approve or reject, the amount, who decides and
// until when. Anyone who can signal the namespace can write any payload; only the product holds
// the secret, so a decision the workflow acts on names the approver the product authenticated.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed decision asserts. */
export interface ApprovalClaim {
  approvalId: string;
  decision: 'approve' | 'reject';
  amountCents: number;
  approver: { id: string; name: string; role: string };
  /** ISO timestamp after which the signature is worthless. */
  expiresAt: string;
}

/** Why a decision's signature is refused. */
export type ApprovalSignatureRefusal = 'unsigned' | 'bad signature' | 'expired';

/** The bytes the HMAC covers: JSON of an array in a fixed order, so no field can bleed into another. */
function canonical(c: ApprovalClaim): string {
  return JSON.stringify([
    'approval-decision/v1',
    c.approvalId,
    c.decision,
    c.amountCents,
    c.approver.id,
    c.approver.name,
    c.approver.role,
    c.expiresAt,
  ]);
}

/** The hex HMAC-SHA256 of a claim. */
export function signApprovalDecision(secret: string, claim: ApprovalClaim): string {
  return createHmac('sha256', secret).update(canonical(claim)).digest('hex');
}

/** Checks a decision's signature, then its expiry against `nowMs`. */
export function verifyApprovalDecision(
  secret: string,
  claim: ApprovalClaim,
  signature: string | undefined,
  nowMs: number,
): { ok: true } | { ok: false; reason: ApprovalSignatureRefusal } {
  if (!signature) return { ok: false, reason: 'unsigned' };
  const expected = Buffer.from(signApprovalDecision(secret, claim), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature' };
  const expires = Date.parse(claim.expiresAt);
  if (!Number.isFinite(expires) || expires <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true };
}
