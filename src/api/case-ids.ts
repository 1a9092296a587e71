// Case ids: short, readable, and free of personal data (they are workflow ids, never encrypted).
import { createHash, randomBytes } from 'node:crypto';

/**
 * A readable id (`<prefix><length letters or digits>`) carrying no personal data: random, or with an
 * Idempotency-Key derived from it (and the salt), so a retry finds the same thing.
 */
export function newReadableId(
  prefix: string,
  length: number,
  idempotency?: { caller: string; key: string },
  salt = '',
): string {
  const bytes = idempotency
    ? createHash('sha256').update(`${salt}${idempotency.caller}\u0000${idempotency.key}`).digest()
    : randomBytes(16);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[bytes[i] % alphabet.length];
  return `${prefix}${id}`;
}

/** Case ids carry no personal data; with an Idempotency-Key the id is derived from it, so a retry finds the same case. */
export function newCaseId(idempotency?: { caller: string; key: string }): string {
  return newReadableId('ES-', 10, idempotency);
}

/** Incident ids, `INC-` and 8 letters or digits, the same way. */
export function newIncidentId(idempotency?: { caller: string; key: string }): string {
  return newReadableId('INC-', 8, idempotency, 'incident\u0000');
}
