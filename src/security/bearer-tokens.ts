// Bearer tokens are kept only as their SHA-256, in a Map: a presented token is hashed and compared
// with every known hash in constant time. A Map (never a plain object) means a token such as
// '__proto__' or 'constructor' is an unknown token like any other, not a property of Object.prototype;
// hashing means the process holds no token in the clear after start-up and every comparison is over
// 32 bytes, whatever the presented token's length or characters.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 (hex) of a token: the key it is stored under. */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Tokens (as their hashes) and who holds each, in the order they were configured. */
export type TokenMap<T> = ReadonlyMap<string, T>;

/** A token map from tokens in the clear (API_TOKENS, the demo tokens). */
export function hashTokens<T>(tokens: Iterable<[string, T]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [token, who] of tokens) map.set(tokenHash(token), who);
  return map;
}

/**
 * Whoever holds the presented token; undefined for any other string. Every entry is compared (no
 * early exit), so the time taken does not tell which entry, if any, matched.
 */
export function lookupToken<T>(tokens: TokenMap<T>, presented: string): T | undefined {
  const given = Buffer.from(tokenHash(presented), 'hex');
  let found: T | undefined;
  for (const [hash, who] of tokens) {
    const known = Buffer.from(hash, 'hex');
    if (known.length === given.length && timingSafeEqual(known, given) && found === undefined) found = who;
  }
  return found;
}

/** Whether a presented secret equals the expected one, in constant time over their hashes. */
export function secretMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(Buffer.from(tokenHash(expected), 'hex'), Buffer.from(tokenHash(presented), 'hex'));
}
