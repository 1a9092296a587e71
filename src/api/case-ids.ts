// Case ids: short, readable, and free of personal data (they are workflow ids, never encrypted).
import { createHash, randomBytes } from 'node:crypto';

/** Case ids carry no personal data; with an Idempotency-Key the id is derived from it, so a retry finds the same case. */
export function newCaseId(idempotency?: { caller: string; key: string }): string {
  const bytes = idempotency
    ? createHash('sha256').update(`${idempotency.caller}\u0000${idempotency.key}`).digest()
    : randomBytes(16);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let id = '';
  for (let i = 0; i < 10; i++) id += alphabet[bytes[i] % alphabet.length];
  return `ES-${id}`;
}
