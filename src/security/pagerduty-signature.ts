// PagerDuty v3 webhooks carry `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`, one
// per active signing secret, comma-separated (during a secret's rotation there are two).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header value PagerDuty would send for this body. */
export function signPagerDutyPayload(secret: string, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when one of the header's v1 signatures is the body's, compared in constant time. */
export function verifyPagerDutySignature(
  secret: string | undefined,
  body: Buffer | undefined,
  header: string | undefined,
): boolean {
  if (!secret || !body || !header) return false;
  const expected = Buffer.from(signPagerDutyPayload(secret, body), 'utf8');
  let ok = false;
  for (const part of header.split(',').map((p) => p.trim())) {
    const given = Buffer.from(part, 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
