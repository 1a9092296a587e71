// Hostile input against every route and method of the generated /openapi.json, on a real dev
// server with a worker: bad tokens, wrong content types, wrong JSON types, oversized and deeply
// nested bodies, unknown properties, path parameters that cannot be ids. Every answer must be a
// 4xx with the { error: { code, message } } body, never a 5xx or a stack trace, and no case in any
// state may change. The probes come from the OpenAPI document, so a new route is covered the day
// it is added. The survey page (GET /csat/:token) answers a bad link with the same JSON 404, not
// HTML; GET /healthz is public and takes no input, so no probe applies to it.
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { signSurveyToken } from '../../src/security/csat-token';
import { tokenHash } from '../../src/security/bearer-tokens';
import type { CaseView } from '../../workflows/contracts';
import { startCaseRig, TEST_CSAT_SECRET, TEST_ENV, TEST_TOKENS, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

/** The parts of a JSON Schema (as zod writes them) the probes read. */
interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
/** One operation of /openapi.json. */
interface Operation {
  security: unknown[];
  'x-roles'?: string[];
  parameters: { name: string; in: 'path' | 'query' | 'header'; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }>; 'x-body-limit-bytes'?: number };
}
/** A request and what its answer must be. */
interface Probe {
  what: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The exact status required; any 4xx otherwise. */
  expect?: number;
}

const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';
/** The body limits of src/api/app.ts, exceeded. */
const OVER_JSON_LIMIT = 101 * 1024;
const OVER_FORM_LIMIT = 21 * 1024;

/** A token of each role (the test tokens' staff are the demo staff). */
const TOKEN_OF_ROLE: Record<string, string> = {
  agent: TEST_TOKENS.agent,
  support_lead: TEST_TOKENS.lead,
  support_manager: TEST_TOKENS.manager,
  ops_director: TEST_TOKENS.director,
  engineer: TEST_TOKENS.engineer,
  intake: TEST_TOKENS.intake,
  admin: TEST_TOKENS.admin,
};

/** Authorization headers no one holds: names of Object.prototype, empty, huge, non-ASCII, demo tokens. */
const BAD_AUTHORIZATIONS: (string | undefined)[] = [
  undefined,
  'Bearer __proto__',
  'Bearer constructor',
  'Bearer toString',
  'Bearer hasOwnProperty',
  'Bearer prototype',
  'Bearer valueOf',
  'Bearer ',
  'Bearer',
  '',
  `Bearer ${'x'.repeat(10 * 1024)}`,
  'Bearer j\u00e9ton-\u00fcn\u00efcode',
  'Bearer demo-admin',
  'Bearer demo-agent',
  `Bearer ${TEST_TOKENS.admin}x`,
  `Bearer ${tokenHash(TEST_TOKENS.admin)}`,
  `Basic ${Buffer.from(`admin:${TEST_TOKENS.admin}`).toString('base64')}`,
  TEST_TOKENS.admin,
];

/** Path parameters that cannot be ids: traversal, NUL, 300 characters, bad percent-encoding. */
const BAD_PATH_PARAMS = (real: string) =>
  [
    '..',
    '..%2F',
    '..%2F..%2Fhealthz',
    '%2e%2e%2f',
    '%00',
    `${real}%00`,
    `${real}%0A`,
    `${real}%20`,
    'A'.repeat(300),
    `ES-${'A'.repeat(300)}`,
    '__proto__',
    'constructor',
    '%E0%A4%A',
    '%',
    real.toLowerCase(),
    "ES-ABC'OR'1",
  ].filter((bad) => bad !== real);

/** A plausible value for a schema: right JSON types, the first enum value, required properties only. */
function plausible(s: JsonSchema): unknown {
  if (s.enum) return s.enum[0];
  if (s.anyOf) return plausible(s.anyOf[0]);
  switch (s.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(s.properties ?? {})
          .filter(([k]) => (s.required ?? []).includes(k))
          .map(([k, v]) => [k, plausible(v)]),
      );
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return s.format === 'email' ? 'hostile@example.com' : 'hostile probe';
  }
}

/** Whether a value has the schema's JSON type (and is one of its enum values, if any). */
function fits(s: JsonSchema, v: unknown): boolean {
  if (s.anyOf) return s.anyOf.some((a) => fits(a, v));
  if (s.enum) return s.enum.includes(v);
  switch (s.type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return true;
  }
}

const CANDIDATES: unknown[] = [null, 12345, -1.5, true, 'a string', [], ['a', 1], {}, { nested: { deeper: true } }];
/** Values of the wrong JSON type (or outside the enum) for a property. */
const wrongValues = (s: JsonSchema) => CANDIDATES.filter((v) => !fits(s, v));

/** A value nested `depth` levels deep. */
const deep = (depth: number, open: string, close: string) => open.repeat(depth) + '1' + close.repeat(depth);

describe('hostile input on every route of /openapi.json (dev server, worker, peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let server: Server;
  let base: { host: string; port: number };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'hostile', slack: true, pagerDuty: true });
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    const app = createApp({ client: rig.env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  });
  after(async () => {
    agent.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await rig?.stop();
  });

  /** One request with exactly these bytes: path, headers and body as given, nothing normalised. */
  const send = (p: Pick<Probe, 'method' | 'path' | 'headers' | 'body'>) =>
    new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const body = p.body === undefined ? undefined : Buffer.from(p.body, 'utf8');
      const req = http.request(
        {
          ...base,
          agent,
          method: p.method,
          path: p.path,
          headers: { ...p.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const json = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await send({
      method,
      path,
      headers: { Authorization: `Bearer ${TEST_TOKENS.agent}`, ...(body ? { 'Content-Type': JSON_TYPE } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.status < 300, `${method} ${path} -> ${res.status} ${res.text}`);
    return JSON.parse(res.text) as T;
  };
  const viewOf = (caseId: string) => json<CaseView>('GET', `/cases/${caseId}`);
  /** Idle: no e-mail waiting to go out, no escalation rung waiting to be notified (asked through the view query). */
  const idle = (v: CaseView) =>
    v.emails.every((e) => e.status !== 'queued') &&
    (v.escalations ?? []).every((e) => e.rungs.every((r) => r.state !== 'pending'));
  const settled = (caseId: string) =>
    eventually(async () => {
      const v = await viewOf(caseId);
      return idle(v) ? v : undefined;
    }, `case ${caseId} idle`);

  it('answers every hostile request with a 4xx error body and changes no case', async () => {
    // Cases in different states: new, open (assigned, replied), waiting for the customer, escalated, resolved.
    const openOne = () =>
      json<CaseView>('POST', '/cases', {
        channel: 'email',
        customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
        subject: 'Cannot log in',
        description: "I can't log in to my account since this morning.",
      });
    const [fresh, replied, waiting, escalated, resolved] = await Promise.all([1, 2, 3, 4, 5].map(() => openOne()));
    for (const c of [replied, waiting, escalated, resolved]) await json('POST', `/cases/${c.caseId}/assign`, {});
    await json('POST', `/cases/${replied.caseId}/reply`, { message: 'Which browser do you use?' });
    await json('POST', `/cases/${waiting.caseId}/wait-for-customer`, { note: 'asked for a screenshot' });
    await json('POST', `/cases/${escalated.caseId}/escalate`, { severity: 'P3', title: 'Login page slow' });
    await json('POST', `/cases/${resolved.caseId}/resolve`, {
      actionTaken: 'unlocked your account',
      expectedResult: 'you can sign in again',
      specificAction: 'signing in',
    });
    const cases = [fresh, replied, waiting, escalated, resolved];
    const before = await Promise.all(cases.map((c) => settled(c.caseId)));
    assert.deepEqual(
      before.map((v) => v.status),
      ['new', 'open', 'awaiting_customer', 'open', 'resolved'],
    );
    assert.equal(before[3].escalations?.length, 1);

    const doc = JSON.parse((await send({ method: 'GET', path: '/openapi.json', headers: {} })).text) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const probes: Probe[] = [];
    const seen = new Set<string>();

    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const method = m.toUpperCase() as 'GET' | 'POST';
        seen.add(`${method} ${template}`);
        const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
        const queryParams = op.parameters.filter((p) => p.in === 'query');
        const secured = op.security.length > 0;
        const role = (op['x-roles'] ?? []).find((r) => TOKEN_OF_ROLE[r]);
        const auth: Record<string, string> = secured && role ? { Authorization: `Bearer ${TOKEN_OF_ROLE[role]}` } : {};
        const media = Object.keys(op.requestBody?.content ?? {});
        const schema = op.requestBody?.content[JSON_TYPE]?.schema ?? {};
        const good = plausible(schema.type ? schema : { type: 'object' }) as Record<string, unknown>;
        const goodText = JSON.stringify(good);
        // Every case for a route on a case; one for the others (their ids derive from a case too).
        for (const target of template.includes('{caseId}') ? before : [before[0]]) {
          const real: Record<string, string> = {
            caseId: target.caseId,
            stepId: target.checklist[0]?.id ?? 'verify-identity',
            escalationId: 'esc-1',
            approvalId: `${target.caseId}-C1`,
            token: signSurveyToken(TEST_CSAT_SECRET, { caseId: target.caseId, surveyId: 'hostile' }),
          };
          const fill = (over: Record<string, string> = {}) =>
            template.replace(/\{(\w+)\}/g, (_all, name: string) => over[name] ?? real[name] ?? 'x');
          const path = fill();
          const add = (what: string, p: Partial<Probe>) =>
            probes.push({
              what: `${method} ${template} [${target.status}${target.escalations?.length ? ', escalated' : ''}] ${what}`,
              method,
              path,
              headers: auth,
              ...p,
            });
          const post = (what: string, headers: Record<string, string>, body: string, expect?: number) =>
            add(what, { headers: { ...auth, ...headers }, body, expect });

          if (secured)
            for (const a of BAD_AUTHORIZATIONS)
              add(`Authorization ${a === undefined ? '(none)' : JSON.stringify(a.slice(0, 30))}`, {
                headers: {
                  ...(a === undefined ? {} : { Authorization: a }),
                  ...(method === 'POST' ? { 'Content-Type': JSON_TYPE } : {}),
                },
                body: method === 'POST' ? goodText : undefined,
                expect: 401,
              });

          for (const name of pathParams)
            for (const bad of BAD_PATH_PARAMS(real[name] ?? 'x'))
              add(`path ${name}=${bad.slice(0, 30)}`, {
                path: fill({ [name]: bad }),
                headers: { ...auth, ...(method === 'POST' ? { 'Content-Type': JSON_TYPE } : {}) },
                body: method === 'POST' ? goodText : undefined,
              });

          if (queryParams.length > 0) {
            add('unknown query parameter', { path: `${path}?hostile=1` });
            for (const q of queryParams) {
              add(`query ${q.name} as an array`, { path: `${path}?${q.name}[]=1&${q.name}[]=2` });
              add(`query ${q.name} as an object`, { path: `${path}?${q.name}[a]=1` });
              add(`query ${q.name} of 10,000 characters`, { path: `${path}?${q.name}=${'x'.repeat(10_000)}` });
              if (q.schema.enum) add(`query ${q.name} outside its enum`, { path: `${path}?${q.name}=not-a-value` });
              if (q.schema.type === 'integer')
                for (const v of ['abc', '1.5', '-1', '1e400'])
                  add(`query ${q.name}=${v}`, { path: `${path}?${q.name}=${v}` });
            }
          }

          if (method !== 'POST') continue;
          const form = media.includes(FORM);
          const formText = new URLSearchParams(
            Object.entries(good).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
          ).toString();
          const multipart = [
            ...Object.entries(good).map(
              ([k, v]) => `--hostile\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`,
            ),
            '--hostile--\r\n',
          ].join('');
          for (const [type, body] of [
            ['text/plain', goodText],
            ['text/plain; charset=utf-8', goodText],
            ['application/octet-stream', goodText],
            ['multipart/form-data; boundary=hostile', multipart],
            ['text/json', goodText],
            ['application/jsonp', goodText],
            ['application/xml', '<case/>'],
            ['application/json; charset=latin1', goodText],
            [FORM, formText],
          ])
            post(`Content-Type ${type}`, { 'Content-Type': type }, body, type === FORM && form ? undefined : 415);
          post('a body without a Content-Type', {}, goodText, 415);
          post(
            'Content-Encoding x-hostile',
            { 'Content-Type': JSON_TYPE, 'Content-Encoding': 'x-hostile' },
            goodText,
            415,
          );
          post(
            'Content-Encoding gzip over plain bytes',
            { 'Content-Type': JSON_TYPE, 'Content-Encoding': 'gzip' },
            goodText,
          );

          for (const [prop, s] of Object.entries(schema.properties ?? {}))
            for (const v of wrongValues(s))
              post(
                `${prop}: ${JSON.stringify(v)}`,
                { 'Content-Type': JSON_TYPE },
                JSON.stringify({ ...good, [prop]: v }),
                400,
              );

          post(
            'oversized JSON',
            { 'Content-Type': JSON_TYPE },
            JSON.stringify({
              ...good,
              padding: 'x'.repeat(
                (op.requestBody?.['x-body-limit-bytes'] ?? 100 * 1024) + OVER_JSON_LIMIT - 100 * 1024,
              ),
            }),
            413,
          );
          if (form)
            post('oversized form', { 'Content-Type': FORM }, `${formText}&padding=${'x'.repeat(OVER_FORM_LIMIT)}`, 413);
          post('arrays 10,000 deep', { 'Content-Type': JSON_TYPE }, deep(10_000, '[', ']'));
          post('objects 10,000 deep', { 'Content-Type': JSON_TYPE }, deep(10_000, '{"a":', '}'));
          const firstProp = Object.keys(schema.properties ?? {})[0] ?? 'a';
          post(
            `${firstProp} 10,000 deep`,
            { 'Content-Type': JSON_TYPE },
            `{"${firstProp}":${deep(10_000, '{"a":', '}')}}`,
          );
          post('not JSON', { 'Content-Type': JSON_TYPE }, `${goodText.slice(0, -1)},`);
          post('a JSON string', { 'Content-Type': JSON_TYPE }, '"hostile"');
          post('JSON null', { 'Content-Type': JSON_TYPE }, 'null');
          post('an extra property', { 'Content-Type': JSON_TYPE }, JSON.stringify({ ...good, unexpected: true }));
          post('__proto__', { 'Content-Type': JSON_TYPE }, `{"__proto__":{"polluted":true},${goodText.slice(1)}`);
          post(
            'constructor.prototype',
            { 'Content-Type': JSON_TYPE },
            `{"constructor":{"prototype":{"polluted":true}},${goodText.slice(1)}`,
          );
        }
      }
    }

    // Every route of the app is in the document, so none escapes the probes.
    for (const route of ['POST /cases', 'POST /csat/{token}', 'POST /slack/interactions', 'POST /webhooks/stripe'])
      assert.ok(seen.has(route), `${route} is in /openapi.json`);

    const histogram = new Map<number, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < probes.length) {
        const p = probes[next++];
        const res = await send(p);
        histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
        const problem = answerProblem(p, res);
        if (problem) failures.push(`${p.what}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    const statuses = [...histogram.entries()].sort(([a], [b]) => a - b);
    console.log(
      `hostile-input: ${probes.length.toLocaleString('en-US')} requests: ${statuses
        .map(([s, n]) => `${s}×${n.toLocaleString('en-US')}`)
        .join(', ')}`,
    );
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} of ${probes.length} answers were wrong`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');

    const after = await Promise.all(cases.map((c) => settled(c.caseId)));
    for (const [i, v] of after.entries()) assert.deepEqual(v, before[i], `case ${v.caseId} (${v.status}) is unchanged`);
  });
});

/** What is wrong with an answer; undefined when it is a 4xx error body as required. */
function answerProblem(p: Probe, res: { status: number; type: string; text: string }): string | undefined {
  const head = `${res.status} ${res.text.slice(0, 160)}`;
  if (res.status < 400 || res.status >= 500) return `not a 4xx: ${head}`;
  if (p.expect !== undefined && res.status !== p.expect) return `expected ${p.expect}: ${head}`;
  if (/\n\s+at\s|node_modules|\.[jt]s:\d+/.test(res.text)) return `a stack trace: ${head}`;
  if (!res.type.startsWith('application/json')) return `not JSON (${res.type}): ${head}`;
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${head}`;
  }
  const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (Object.keys(body as object).length !== 1 || typeof e?.code !== 'string' || typeof e.message !== 'string')
    return `not { error: { code, message } }: ${head}`;
  if (p.expect === 401 && e.code !== 'unauthorized') return `401 with code ${e.code}`;
  if (p.expect === 415 && e.code !== 'unsupported_media_type') return `415 with code ${e.code}`;
  return undefined;
}
