// A click on a Slack button as Slack sends it: the block_actions payload form-encoded, signed with
// the app's signing secret and timestamped (now, unless a test wants a stale one).
import type { Express } from 'express';
import request from 'supertest';
import { signSlackRequest } from '../../src/security/slack-signature';

/** POSTs the click to /slack/interactions. */
export function slackClick(app: Express, payload: unknown, secret: string, opts: { ts?: number } = {}) {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  return request(app)
    .post('/slack/interactions')
    .type('form')
    .set('X-Slack-Request-Timestamp', String(ts))
    .set('X-Slack-Signature', signSlackRequest(secret, body, ts))
    .send(body);
}
