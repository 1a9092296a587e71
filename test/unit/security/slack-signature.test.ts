import assert from 'node:assert/strict';
import { signSlackRequest, verifySlackSignature } from '../../../src/security/slack-signature';

describe('slack-signature', () => {
  const secret = 'test-signing-secret';
  const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
  const now = 1_700_000_000;

  it("reproduces Slack's published example signature", () => {
    // Worked example from Slack's "Verifying requests from Slack" documentation.
    const docBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    assert.equal(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', docBody, 1531420618), expected);
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
        rawBody: docBody,
        timestamp: '1531420618',
        signature: expected,
        nowSec: 1531420618,
      }),
      { ok: true },
    );
  });

  it('accepts a fresh, correct signature', () => {
    const signature = signSlackRequest(secret, body, now);
    assert.match(signature, /^v0=[0-9a-f]{64}$/);
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: secret,
        rawBody: body,
        timestamp: String(now - 10),
        signature: signSlackRequest(secret, body, now - 10),
        nowSec: now,
      }),
      { ok: true },
    );
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: secret,
        rawBody: Buffer.from(body),
        timestamp: now,
        signature,
        nowSec: now,
      }),
      { ok: true },
    );
  });

  it('rejects a signature made with another secret', () => {
    const result = verifySlackSignature({
      signingSecret: secret,
      rawBody: body,
      timestamp: now,
      signature: signSlackRequest('other-secret', body, now),
      nowSec: now,
    });
    assert.deepEqual(result, { ok: false, reason: 'signature mismatch' });
  });

  it('rejects malformed or missing signatures without throwing', () => {
    for (const signature of ['v0=abc', 'garbage', '']) {
      assert.equal(
        verifySlackSignature({ signingSecret: secret, rawBody: body, timestamp: now, signature, nowSec: now }).ok,
        false,
      );
    }
    assert.deepEqual(
      verifySlackSignature({ signingSecret: secret, rawBody: body, timestamp: now, signature: undefined, nowSec: now }),
      { ok: false, reason: 'missing signature' },
    );
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: secret,
        rawBody: body,
        timestamp: undefined,
        signature: 'v0=00',
        nowSec: now,
      }),
      { ok: false, reason: 'missing timestamp' },
    );
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: secret,
        rawBody: body,
        timestamp: '12ab',
        signature: 'v0=00',
        nowSec: now,
      }),
      { ok: false, reason: 'invalid timestamp' },
    );
  });

  it('rejects a correctly signed request older than five minutes', () => {
    const old = now - 301;
    const result = verifySlackSignature({
      signingSecret: secret,
      rawBody: body,
      timestamp: old,
      signature: signSlackRequest(secret, body, old),
      nowSec: now,
    });
    assert.deepEqual(result, { ok: false, reason: 'stale timestamp' });
    const edge = now - 300;
    assert.deepEqual(
      verifySlackSignature({
        signingSecret: secret,
        rawBody: body,
        timestamp: edge,
        signature: signSlackRequest(secret, body, edge),
        nowSec: now,
      }),
      { ok: true },
    );
  });

  it('rejects a timestamp too far in the future', () => {
    const future = now + 301;
    const result = verifySlackSignature({
      signingSecret: secret,
      rawBody: body,
      timestamp: future,
      signature: signSlackRequest(secret, body, future),
      nowSec: now,
    });
    assert.deepEqual(result, { ok: false, reason: 'stale timestamp' });
  });

  it('rejects a tampered body', () => {
    const signature = signSlackRequest(secret, body, now);
    const result = verifySlackSignature({
      signingSecret: secret,
      rawBody: body.replace('block_actions', 'view_submission'),
      timestamp: now,
      signature,
      nowSec: now,
    });
    assert.deepEqual(result, { ok: false, reason: 'signature mismatch' });
  });

  it('rejects a signature replayed with a different timestamp', () => {
    const signature = signSlackRequest(secret, body, now - 60);
    assert.equal(
      verifySlackSignature({ signingSecret: secret, rawBody: body, timestamp: now, signature, nowSec: now }).ok,
      false,
    );
  });
});
