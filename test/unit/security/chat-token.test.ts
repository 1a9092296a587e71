import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chatLink, CHAT_LINK_TTL_MS, signChatToken, verifyChatToken } from '../../../src/security/chat-token';
import { signSurveyToken, verifySurveyToken } from '../../../src/security/csat-token';

const SECRET = 'test-csat-secret-0123456789abcdef0123456789';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const claim = { caseId: 'ES-ABC123', channel: 'chat' as const, expiresAtMs: NOW + 60_000 };

describe('chat-token', () => {
  it('verifies its own token until it expires, then says expired', () => {
    const token = signChatToken(SECRET, claim);
    assert.deepEqual(verifyChatToken(SECRET, token, NOW), claim);
    assert.equal(verifyChatToken(SECRET, token, NOW + 60_000), 'expired');
  });

  it('refuses another secret, a changed claim, a survey token and garbage', () => {
    const token = signChatToken(SECRET, claim);
    const [v, body, sig] = token.split('.');
    const otherBody = Buffer.from(JSON.stringify({ c: 'ES-OTHER1', ch: 'chat', e: NOW / 1000 + 60 })).toString(
      'base64url',
    );
    for (const bad of [
      signChatToken('another-secret-0123456789abcdef0123456789', claim),
      `${v}.${otherBody}.${sig}`,
      `c2.${body}.${sig}`,
      `${token}.x`,
      signSurveyToken(SECRET, { caseId: claim.caseId, surveyId: 's1' }),
      '',
      'garbage',
      'c1..',
      'x'.repeat(2_000),
    ])
      assert.equal(verifyChatToken(SECRET, bad, NOW), null, bad.slice(0, 40));
  });

  it('signs with a key derived from the secret: a signature made with CSAT_SIGNING_SECRET itself does not verify', () => {
    const body = signChatToken(SECRET, claim).split('.')[1];
    const rawSig = createHmac('sha256', SECRET).update(`c1.${body}`).digest('base64url');
    assert.equal(verifyChatToken(SECRET, `c1.${body}.${rawSig}`, NOW), null);
    assert.equal(verifySurveyToken(SECRET, signChatToken(SECRET, claim)), null);
  });

  it('builds a link that works for a week', () => {
    const { url, expiresAt } = chatLink(
      { publicBaseUrl: 'https://help.example', csatSecret: SECRET },
      'ES-ABC123',
      'in_app',
      NOW,
    );
    assert.equal(expiresAt, new Date(NOW + CHAT_LINK_TTL_MS).toISOString());
    const token = url.replace('https://help.example/chat/', '');
    assert.deepEqual(verifyChatToken(SECRET, token, NOW), {
      caseId: 'ES-ABC123',
      channel: 'in_app',
      expiresAtMs: NOW + CHAT_LINK_TTL_MS,
    });
  });
});
