// The codec endpoint the Temporal Web UI calls to show encrypted payloads decoded
// (https://docs.temporal.io/production-deployment/data-encryption): POST <endpoint>/decode and
// /encode with { payloads: [{ metadata: { k: base64 }, data: base64 }] }. Only staff who may read
// cases can use it: a bearer token, or the token as a path segment for a UI that cannot send headers
// (`--ui-codec-endpoint http://localhost:3000/codec/<token>`).
import express, { type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from '../config';
import { roleMay } from '../policy/rules';
import type { SupportPolicy } from '../policy/types';

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
  config: Pick<Config, 'tokens' | 'uiOrigin'>,
  policy: SupportPolicy,
): express.Router {
  const router = express.Router();
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
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    const who = config.tokens[req.params.token ?? bearer ?? ''];
    if (!who) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'a valid token is required' } });
      return;
    }
    if (!roleMay(policy, who.role, 'case.read')) {
      res.status(403).json({ error: { code: 'forbidden', message: `role '${who.role}' may not read cases` } });
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
  router.post('/:token/decode', handler('decode'));
  router.post('/:token/encode', handler('encode'));
  router.post('/decode', handler('decode'));
  router.post('/encode', handler('encode'));
  return router;
}
