// The codec endpoint the Temporal Web UI calls to show encrypted payloads decoded
// (https://docs.temporal.io/production-deployment/data-encryption): POST <endpoint>/decode and
// /encode with { payloads: [{ metadata: { k: base64 }, data: base64 }] }, as application/json.
//
// Who may call it: staff who may read cases, with their API token in the Authorization header
// (`temporal workflow show --codec-endpoint ... --codec-auth 'Bearer <token>'`), or anyone holding
// the codec's own credential, CODEC_AUTH_TOKEN. The Web UI sends an Authorization header only when
// it has a user access token of its own to pass (an SSO deployment with "pass access token"); the
// dev server's UI has none, so it is given an endpoint URL with the codec credential as a path
// segment (`--ui-codec-endpoint http://127.0.0.1:3000/codec/<CODEC_AUTH_TOKEN>`). An API token is
// never accepted in a path: URLs end up in browser history, proxy logs and the UI's settings, and
// the codec credential opens nothing but this endpoint.
import express, { type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from '../config';
import { roleMay } from '../policy/rules';
import type { SupportPolicy } from '../policy/types';
import { lookupToken, secretMatches } from '../security/bearer-tokens';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** Express router for /codec; mounted only when payload encryption is on. */
export function codecRouter(
  codec: PayloadCodec,
  config: Pick<Config, 'tokens' | 'uiOrigin' | 'codecAuthToken'>,
  policy: SupportPolicy,
): express.Router {
  const router = express.Router();
  const codecCredential = (presented: string | undefined) =>
    presented !== undefined && config.codecAuthToken !== undefined && secretMatches(config.codecAuthToken, presented);
  /** 'ok', or the refusal: 401 for no or a bad credential, 403 for staff whose role may not read cases. */
  const allowed = (req: Request): 'ok' | 401 | { forbidden: string } => {
    if (req.params.token !== undefined) return codecCredential(req.params.token) ? 'ok' : 401;
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    if (bearer === undefined) return 401;
    if (codecCredential(bearer)) return 'ok';
    const who = lookupToken(config.tokens, bearer);
    if (!who) return 401;
    return roleMay(policy, who.role, 'case.read') ? 'ok' : { forbidden: who.role };
  };
  router.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', config.uiOrigin);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });
  const handler = (op: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const verdict = allowed(req);
    if (verdict === 401) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'a valid token is required' } });
      return;
    }
    if (verdict !== 'ok') {
      res.status(403).json({ error: { code: 'forbidden', message: `role '${verdict.forbidden}' may not read cases` } });
      return;
    }
    if (!req.is('application/json')) {
      res.status(415).json({
        error: { code: 'unsupported_media_type', message: 'the codec endpoint takes application/json' },
      });
      return;
    }
    const payloads = (req.body as { payloads?: unknown })?.payloads;
    if (!Array.isArray(payloads)) {
      res.status(400).json({ error: { code: 'bad_request', message: 'body: payloads must be an array' } });
      return;
    }
    try {
      const out = await codec[op](payloads.map((p) => fromJson(p as JsonPayload)));
      res.json({ payloads: out.map(toJson) });
    } catch (err) {
      res.status(400).json({ error: { code: 'bad_request', message: (err as Error).message } });
    }
  };
  // Its own parser: the API's routes parse their bodies themselves (src/api/app.ts).
  router.use(express.json({ limit: '100kb' }));
  router.post('/:token/decode', handler('decode'));
  router.post('/:token/encode', handler('encode'));
  router.post('/decode', handler('decode'));
  router.post('/encode', handler('encode'));
  return router;
}
