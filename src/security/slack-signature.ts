import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's signature for a request body: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<rawBody>`. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string | Buffer,
  timestampSec: number | string,
): string {
  // Slack signs the X-Slack-Request-Timestamp header exactly as sent, so a string timestamp is used verbatim.
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${String(timestampSec)}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** Inputs of {@link verifySlackSignature}; `timestamp` and `signature` are the X-Slack-Request-Timestamp / X-Slack-Signature headers. */
export interface VerifySlackSignatureInput {
  signingSecret: string;
  rawBody: string | Buffer;
  timestamp: string | number | undefined;
  signature: string | undefined;
  nowSec?: number;
  toleranceSec?: number;
}

/** Checks a Slack request signature and timestamp freshness in constant time. */
export function verifySlackSignature(input: VerifySlackSignatureInput): { ok: true } | { ok: false; reason: string } {
  const { signingSecret, rawBody, timestamp, signature, toleranceSec = 300 } = input;
  const nowSec = input.nowSec ?? Math.floor(Date.now() / 1000);
  if (!signingSecret) return { ok: false, reason: 'signing secret not configured' };
  if (timestamp === undefined || timestamp === '') return { ok: false, reason: 'missing timestamp' };
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing signature' };
  const tsText = String(timestamp);
  if (!/^\d+$/.test(tsText)) return { ok: false, reason: 'invalid timestamp' };
  // Reject both old and far-future timestamps: either could be a replayed or forged request.
  if (Math.abs(nowSec - Number(tsText)) > toleranceSec) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(signSlackRequest(signingSecret, rawBody, tsText), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on length mismatch; a length difference leaks nothing secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}
