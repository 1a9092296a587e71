// Identity evidence (the e-mail and the last 4 card digits a customer gives an agent) is checked,
// never stored. The API seals it before it enters an Update, so history holds a keyed digest
// even when the payload codec is off: the digits cannot be read back, and without the key not
// even guessed by trying all 10,000. The worker's verify activity seals what Stripe knows the
// same way and compares digests.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The sealing key, derived from APPROVAL_SIGNING_SECRET (both the API and the worker hold it). */
export function evidenceKey(approvalSigningSecret: string): Buffer {
  return createHmac('sha256', approvalSigningSecret).update('identity-evidence/v1').digest();
}

/** The hex digest of one piece of evidence; the e-mail is compared without case or spaces. */
export function sealEvidence(key: Buffer, evidence: { email: string; last4: string }): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['identity-evidence/v1', evidence.email.trim().toLowerCase(), evidence.last4]))
    .digest('hex');
}

/** True when the sealed evidence names this e-mail and one of these cards' last 4 digits. */
export function evidenceMatches(key: Buffer, sealed: string, email: string, last4s: readonly string[]): boolean {
  const given = Buffer.from(sealed, 'utf8');
  let found = false;
  for (const last4 of last4s) {
    const expected = Buffer.from(sealEvidence(key, { email, last4 }), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) found = true;
  }
  return found;
}
