import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { signStripePayload, verifyStripeSignature } from '../../../src/security/stripe-webhook-signature';

describe('stripe-webhook-signature', () => {
  const secret = 'whsec_test_secret_for_unit_tests';
  const payload = JSON.stringify({
    id: 'evt_test_1',
    object: 'event',
    type: 'charge.dispute.created',
    data: { object: { id: 'dp_1' } },
  });
  const now = 1_700_000_000;
  const stripe = new Stripe('sk_test_webhook_unit');

  it('accepts a header made by the official Stripe library', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    assert.deepEqual(verifyStripeSignature({ payload, header, secret }), { ok: true });
    assert.deepEqual(verifyStripeSignature({ payload: Buffer.from(payload), header, secret }), { ok: true });
  });

  it('signs so that the official library accepts it', () => {
    const header = signStripePayload(secret, payload, Math.floor(Date.now() / 1000));
    const event = stripe.webhooks.constructEvent(payload, header, secret);
    assert.equal(event.id, 'evt_test_1');
    assert.equal(event.type, 'charge.dispute.created');
    assert.throws(
      () =>
        stripe.webhooks.constructEvent(
          payload,
          signStripePayload('whsec_other', payload, Math.floor(Date.now() / 1000)),
          secret,
        ),
      /signature/i,
    );
  });

  it('signs the raw bytes: a Buffer and its string agree, and bytes that are not UTF-8 still verify', () => {
    assert.equal(signStripePayload(secret, payload, now), signStripePayload(secret, Buffer.from(payload, 'utf8'), now));
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    assert.deepEqual(
      verifyStripeSignature({ payload: raw, header: signStripePayload(secret, raw, now), secret, nowSec: now }),
      { ok: true },
    );
  });

  it('accepts the header when any v1 signature matches (secret rotation sends two)', () => {
    const good = signStripePayload(secret, payload, now).split(',')[1]!;
    const header = `t=${now},v1=${'0'.repeat(64)},${good},v0=${'f'.repeat(64)}`;
    assert.deepEqual(verifyStripeSignature({ payload, header, secret, nowSec: now }), { ok: true });
  });

  it('rejects another secret, a changed body, and a changed timestamp', () => {
    const header = signStripePayload(secret, payload, now);
    const verify = (p: string, h: string) => verifyStripeSignature({ payload: p, header: h, secret, nowSec: now });
    assert.deepEqual(verify(payload, signStripePayload('whsec_other', payload, now)), {
      ok: false,
      reason: 'signature mismatch',
    });
    assert.deepEqual(verify(payload.replace('dp_1', 'dp_2'), header), { ok: false, reason: 'signature mismatch' });
    assert.deepEqual(verify(payload, header.replace(`t=${now}`, `t=${now + 1}`)), {
      ok: false,
      reason: 'signature mismatch',
    });
    assert.deepEqual(verify(payload, header.replace(/v1=[0-9a-f]{64}/, 'v1=abc')), {
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('enforces the timestamp tolerance in both directions (300 s unless told)', () => {
    const at = (t: number, toleranceSec?: number) =>
      verifyStripeSignature({
        payload,
        header: signStripePayload(secret, payload, t),
        secret,
        nowSec: now,
        ...(toleranceSec === undefined ? {} : { toleranceSec }),
      });
    assert.deepEqual(at(now - 300), { ok: true });
    assert.deepEqual(at(now + 300), { ok: true });
    assert.deepEqual(at(now - 301), { ok: false, reason: 'timestamp outside tolerance' });
    assert.deepEqual(at(now + 301), { ok: false, reason: 'timestamp outside tolerance' });
    assert.deepEqual(at(now - 600, 900), { ok: true });
    assert.deepEqual(
      at(now - 86_400, 0),
      { ok: true },
      'a tolerance of 0 turns the check off, as in the Stripe libraries',
    );
  });

  it('the default clock is the real one: a replay of an old delivery is refused', () => {
    const old = signStripePayload(secret, payload, Math.floor(Date.now() / 1000) - 3600);
    assert.deepEqual(verifyStripeSignature({ payload, header: old, secret }), {
      ok: false,
      reason: 'timestamp outside tolerance',
    });
  });

  it('rejects missing and malformed headers and a missing secret', () => {
    const v = (header: string | undefined, s = secret) =>
      verifyStripeSignature({ payload, header, secret: s, nowSec: now });
    const sig = signStripePayload(secret, payload, now);
    assert.deepEqual(v(undefined), { ok: false, reason: 'missing header' });
    assert.deepEqual(v(''), { ok: false, reason: 'missing header' });
    assert.deepEqual(v('garbage'), { ok: false, reason: 'invalid timestamp' });
    assert.deepEqual(v(`v1=${'a'.repeat(64)}`), { ok: false, reason: 'invalid timestamp' });
    assert.deepEqual(v(`t=yesterday,v1=${'a'.repeat(64)}`), { ok: false, reason: 'invalid timestamp' });
    assert.deepEqual(v(`t=${now}`), { ok: false, reason: 'no v1 signature' });
    assert.deepEqual(v(sig.replace('v1=', 'v0=')), { ok: false, reason: 'no v1 signature' });
    assert.deepEqual(v(sig, ''), { ok: false, reason: 'secret not configured' });
  });
});
