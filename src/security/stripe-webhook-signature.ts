import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a Stripe-Signature header was refused. */
export type StripeSignatureFailure =
  | 'secret not configured'
  | 'missing header'
  | 'invalid timestamp'
  | 'no v1 signature'
  | 'signature mismatch'
  | 'timestamp outside tolerance';

/** Inputs of {@link verifyStripeSignature}; `payload` is the raw request body exactly as received. */
export interface VerifyStripeSignatureInput {
  payload: Buffer | string;
  /** The Stripe-Signature header: `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`. */
  header: string | undefined;
  /** The endpoint's signing secret (`whsec_...`), used as is. */
  secret: string;
  toleranceSec?: number;
  nowSec?: number;
}

function hexSignature(secret: string, payload: Buffer | string, t: string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${t}.`);
  hmac.update(payload);
  return hmac.digest('hex');
}

/** A Stripe-Signature header for a payload, as Stripe would send it; for tests and stand-ins. */
export function signStripePayload(secret: string, payload: Buffer | string, tSec: number): string {
  return `t=${tSec},v1=${hexSignature(secret, payload, String(tSec))}`;
}

/** Checks a Stripe webhook signature (any v1 may match) and its timestamp, in constant time. */
export function verifyStripeSignature(
  input: VerifyStripeSignatureInput,
): { ok: true } | { ok: false; reason: StripeSignatureFailure } {
  const { payload, header, secret, toleranceSec = 300 } = input;
  const nowSec = input.nowSec ?? Math.floor(Date.now() / 1000);
  if (!secret) return { ok: false, reason: 'secret not configured' };
  if (!header) return { ok: false, reason: 'missing header' };
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    // v0 and unknown schemes are ignored, as Stripe's libraries do: only v1 is a live signature.
    else if (key === 'v1') v1.push(value);
  }
  if (t === undefined || !/^\d{1,12}$/.test(t)) return { ok: false, reason: 'invalid timestamp' };
  if (v1.length === 0) return { ok: false, reason: 'no v1 signature' };
  const expected = Buffer.from(hexSignature(secret, payload, t), 'utf8');
  // Every candidate is compared, so the time taken does not say which one matched.
  let matched = false;
  for (const candidate of v1) {
    const given = Buffer.from(candidate, 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'signature mismatch' };
  // Both directions: Stripe's libraries only reject old timestamps, but a far-future one is as suspect.
  if (toleranceSec > 0 && Math.abs(nowSec - Number(t)) > toleranceSec)
    return { ok: false, reason: 'timestamp outside tolerance' };
  return { ok: true };
}
