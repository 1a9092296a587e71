import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signSurveyToken, surveyLink, verifySurveyToken } from '../../../src/security/csat-token';

const SECRET = 'test-csat-secret-0123456789abcdef';
const claim = { caseId: 'ES-ABC123', surveyId: 'survey-1' };
const signRaw = (secret: string, body: string) =>
  `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('csat-token', () => {
  it('round-trips a claim', () => {
    const token = signSurveyToken(SECRET, claim);
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'URL-safe, two parts');
    assert.deepEqual(verifySurveyToken(SECRET, token), claim);
  });

  it('signs different claims differently', () => {
    assert.notEqual(signSurveyToken(SECRET, claim), signSurveyToken(SECRET, { ...claim, surveyId: 'survey-2' }));
  });

  it('carries only the case and survey ids', () => {
    const [body] = signSurveyToken(SECRET, claim).split('.');
    assert.deepEqual(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), { c: 'ES-ABC123', s: 'survey-1' });
  });

  it('rejects a tampered body', () => {
    const [, sig] = signSurveyToken(SECRET, claim).split('.');
    const forged = `${b64(JSON.stringify({ c: 'ES-OTHER99', s: 'survey-1' }))}.${sig}`;
    assert.equal(verifySurveyToken(SECRET, forged), null);
  });

  it('rejects a tampered signature', () => {
    const token = signSurveyToken(SECRET, claim);
    const last = token.at(-1);
    const flipped = token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    assert.equal(verifySurveyToken(SECRET, flipped), null);
    assert.equal(verifySurveyToken(SECRET, `${token}x`), null, 'longer signature');
    assert.equal(verifySurveyToken(SECRET, token.slice(0, -2)), null, 'shorter signature');
  });

  it('rejects a token signed with another secret', () => {
    assert.equal(verifySurveyToken(SECRET, signSurveyToken('another-secret-0123456789abcdef00', claim)), null);
  });

  it('returns null for garbage strings without throwing', () => {
    for (const garbage of ['', 'a.b.c', 'x.y', '.', '..', 'abc', '.sig', 'body.', '\u0000.\u0000', '%%%.%%%']) {
      assert.equal(verifySurveyToken(SECRET, garbage), null, JSON.stringify(garbage));
    }
  });

  it('rejects a valid token with a third part appended', () => {
    assert.equal(verifySurveyToken(SECRET, `${signSurveyToken(SECRET, claim)}.extra`), null);
  });

  it('returns null for a correctly signed body that is not JSON or lacks the ids', () => {
    assert.equal(verifySurveyToken(SECRET, signRaw(SECRET, b64('not json'))), null);
    assert.equal(verifySurveyToken(SECRET, signRaw(SECRET, b64(JSON.stringify({ c: 'ES-ABC123' })))), null);
    assert.equal(verifySurveyToken(SECRET, signRaw(SECRET, b64(JSON.stringify({ c: 1, s: 2 })))), null);
    assert.equal(verifySurveyToken(SECRET, signRaw(SECRET, b64('null'))), null);
  });

  it('builds a survey link under the public base URL whose token names the case and survey', () => {
    const link = surveyLink(
      { publicBaseUrl: 'https://support.example.com', csatSecret: SECRET },
      claim.caseId,
      claim.surveyId,
    );
    const m = /^https:\/\/support\.example\.com\/csat\/([^/]+)$/.exec(link);
    assert.ok(m, link);
    assert.deepEqual(verifySurveyToken(SECRET, m[1]), claim);
  });
});
