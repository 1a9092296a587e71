// Live chat without a browser: the chat link (who may get one, for which cases), the page and its
// headers, the customer's messages (a double send is one message), the Server-Sent Events stream
// (an agent's reply arrives live; Last-Event-ID resumes; no staff ids), and links that must not work.
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { CHAT_LINK_TTL_MS, signChatToken } from '../../src/security/chat-token';
import { signSurveyToken } from '../../src/security/csat-token';
import type { CaseView, MessagesPage } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_CSAT_SECRET, TEST_ENV, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const INTAKE = bearer('intake');
const ENGINEER = bearer('engineer');

const newCase = (over: Record<string, unknown> = {}) => ({
  channel: 'chat',
  customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
  subject: 'Cannot log in',
  description: "I can't log in to my account since this morning.",
  ...over,
});

/** One Server-Sent Event as the stream sent it. */
interface Sse {
  id?: string;
  event?: string;
  data: string;
}

/** Follows an event stream over a real HTTP connection; `next()` resolves with each event in turn. */
function follow(url: string, headers: Record<string, string> = {}) {
  const queue: Sse[] = [];
  const waiting: ((e: Sse) => void)[] = [];
  let buffer = '';
  let res: http.IncomingMessage | undefined;
  const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const e: Sse = { data: '' };
          let any = false;
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): ?(.*)$/.exec(line);
            if (!m) continue;
            any = true;
            e[m[1] as keyof Sse] = m[2];
          }
          if (!any) continue; // a comment
          const w = waiting.shift();
          if (w) w(e);
          else queue.push(e);
        }
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  return {
    opened,
    next(ms = 20_000): Promise<Sse> {
      const e = queue.shift();
      if (e) return Promise.resolve(e);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
        waiting.push((ev) => {
          clearTimeout(t);
          resolve(ev);
        });
      });
    },
    close: () => res?.destroy(),
  };
}

describe('live chat API (dev server, worker, a real HTTP listener)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let app: Express;
  let server: Server;
  let base: string;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'chat-api' });
    const config = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: rig.taskQueue, PUBLIC_BASE_URL: 'http://chat.test' });
    app = createApp({ client: rig.env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await rig?.stop();
  });

  const open = async (over: Record<string, unknown> = {}): Promise<CaseView> => {
    const res = await request(app).post('/cases').set(AGENT).send(newCase(over));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as CaseView;
  };
  const linkOf = async (caseId: string): Promise<{ url: string; token: string; expiresAt: string }> => {
    const res = await request(app).post(`/cases/${caseId}/chat-link`).set(AGENT).send({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { url, expiresAt } = res.body as { url: string; expiresAt: string };
    return { url, expiresAt, token: url.slice('http://chat.test/chat/'.length) };
  };
  const thread = async (caseId: string): Promise<MessagesPage> =>
    (await request(app).get(`/cases/${caseId}/messages`).set(AGENT).expect(200)).body as MessagesPage;
  const say = (token: string, text: string, key?: string) => {
    const r = request(app).post(`/chat/${token}/messages`).send({ text });
    return key ? r.set('Idempotency-Key', key) : r;
  };

  it('gives agents a week-long chat link for chat and in-app cases, and none for e-mail ones', async () => {
    const chat = await open();
    const before = Date.now();
    const { url, expiresAt } = await linkOf(chat.caseId);
    assert.match(url, /^http:\/\/chat\.test\/chat\/c1\.[\w-]+\.[\w-]+$/);
    const expiresMs = Date.parse(expiresAt);
    assert.ok(expiresMs > before + CHAT_LINK_TTL_MS - 1_000 && expiresMs <= Date.now() + CHAT_LINK_TTL_MS, expiresAt);

    const inApp = await open({ channel: 'in_app', subject: "I can't log in", description: 'Login keeps failing.' });
    await linkOf(inApp.caseId);
    const email = await open({ channel: 'email' });
    const refused = await request(app).post(`/cases/${email.caseId}/chat-link`).set(AGENT).send({});
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'invalid_action');

    for (const who of [INTAKE, ENGINEER])
      assert.equal((await request(app).post(`/cases/${chat.caseId}/chat-link`).set(who).send({})).status, 403);
    assert.equal((await request(app).post(`/cases/${chat.caseId}/chat-link`).send({})).status, 401);
    assert.equal((await request(app).post('/cases/ES-NOSUCHCASE1/chat-link').set(AGENT).send({})).status, 404);
  });

  it('serves the page with a strict Content-Security-Policy and no referrer', async () => {
    const c = await open();
    const { token } = await linkOf(c.caseId);
    const res = await request(app).get(`/chat/${token}`).expect(200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-[^']+'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(res.text, new RegExp(`Your case ${c.caseId}`));
    assert.doesNotMatch(res.text, /<script src|<link /);
  });

  it('takes a message sent twice with the same client id once, and refuses the id with another text', async () => {
    const c = await open();
    const { token } = await linkOf(c.caseId);
    // A double click: both at once.
    const [a, b] = await Promise.all([
      say(token, 'Still locked out.', 'chat-m1'),
      say(token, 'Still locked out.', 'chat-m1'),
    ]);
    assert.deepEqual([a.status, b.status], [202, 202]);
    assert.deepEqual(a.body, { accepted: true });
    const page = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.count >= 2 ? p : undefined;
    }, 'the message on the thread');
    // A retry after the case has it: answered, and told so.
    const again = await say(token, 'Still locked out.', 'chat-m1').expect(202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const other = await say(token, 'Something else', 'chat-m1');
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency_key_reused');

    await say(token, 'And the reset mail never came.', 'chat-m2').expect(202);
    const after = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.count >= 3 ? p : undefined;
    }, 'the second message');
    assert.equal(page.messages[1].text, 'Still locked out.');
    assert.deepEqual(
      after.messages.map((m) => [m.author.kind, m.channel, m.text]),
      [
        ['customer', 'chat', "I can't log in to my account since this morning."],
        ['customer', 'chat', 'Still locked out.'],
        ['customer', 'chat', 'And the reset mail never came.'],
      ],
    );
    // Without a client id there is no way to tell a retry from a new message: refused.
    const keyless = await say(token, 'no key');
    assert.equal(keyless.status, 400);
    assert.match(keyless.body.error.message, /Idempotency-Key/);
    assert.equal((await say(token, 'x'.repeat(4_001), 'chat-m3')).status, 400);
    assert.equal((await say(token, '   ', 'chat-m4')).status, 400);
  });

  it('refuses forged, expired and survey links with 401 on every chat route', async () => {
    const c = await open();
    const forged = signChatToken('another-secret-0123456789abcdef0123456789', {
      caseId: c.caseId,
      channel: 'chat',
      expiresAtMs: Date.now() + 3_600_000,
    });
    const expired = signChatToken(TEST_CSAT_SECRET, {
      caseId: c.caseId,
      channel: 'chat',
      expiresAtMs: Date.now() - 1_000,
    });
    const survey = signSurveyToken(TEST_CSAT_SECRET, { caseId: c.caseId, surveyId: 's1' });
    const { token } = await linkOf(c.caseId);
    const tampered = token.replace(/\.([\w-])/, (_m, ch: string) => `.${ch === 'A' ? 'B' : 'A'}`);
    for (const bad of [forged, expired, survey, tampered, 'garbage', `${token}x`]) {
      for (const res of [
        await request(app).get(`/chat/${bad}`),
        await request(app).get(`/chat/${bad}/events`),
        await say(bad, 'hello', 'chat-bad'),
      ]) {
        assert.equal(res.status, 401, `${bad}: ${res.status} ${res.text}`);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.body.error.code, 'unauthorized');
      }
    }
    assert.match((await request(app).get(`/chat/${expired}`)).body.error.message, /expired/);
    assert.equal((await thread(c.caseId)).count, 1, 'no bad link wrote anything');
  });

  it("streams the thread live: the agent's reply arrives, a reconnect resumes after Last-Event-ID, no staff ids", async () => {
    const c = await open();
    const { token } = await linkOf(c.caseId);
    const events = follow(`${base}/chat/${token}/events`);
    const res = await events.opened;
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const first = await events.next();
    assert.equal(first.id, '1');
    assert.equal(first.event, 'message');
    assert.deepEqual(JSON.parse(first.data), {
      n: 1,
      from: 'customer',
      name: 'Grace Hopper',
      at: JSON.parse(first.data).at,
      text: "I can't log in to my account since this morning.",
    });

    await request(app)
      .post(`/cases/${c.caseId}/reply`)
      .set(AGENT)
      .send({ message: 'Which browser do you use?' })
      .expect(200);
    const reply = await events.next();
    assert.equal(reply.id, '2');
    const m = JSON.parse(reply.data) as Record<string, unknown>;
    assert.equal(m.from, 'agent');
    assert.equal(m.text, 'Which browser do you use?');
    assert.equal(typeof m.name, 'string');
    assert.deepEqual(Object.keys(m).sort(), ['at', 'from', 'n', 'name', 'text']);
    assert.doesNotMatch(reply.data, /alex-agent|"id"/);

    // An internal note is not on the thread, so never on the page.
    await request(app).post(`/cases/${c.caseId}/notes`).set(AGENT).send({ text: 'internal: VIP' }).expect(200);
    await say(token, 'Firefox.', 'chat-firefox').expect(202);
    const mine = await events.next();
    assert.equal(mine.id, '3');
    assert.equal(JSON.parse(mine.data).text, 'Firefox.');
    events.close();

    const resumed = follow(`${base}/chat/${token}/events`, { 'Last-Event-ID': '2' });
    const next = await resumed.next();
    assert.equal(next.id, '3');
    resumed.close();
    const head = await request(app).head(`/chat/${token}/events`).expect(200);
    assert.match(String(head.headers['content-type']), /^text\/event-stream/);
    const bad = await request(app).get(`/chat/${token}/events`).set('Last-Event-ID', 'abc');
    assert.equal(bad.status, 400);
  });

  it('answers garbage on a valid link with a 4xx error body and writes nothing', async () => {
    const c = await open();
    const { token } = await linkOf(c.caseId);
    const post = (body: string, headers: Record<string, string>) =>
      request(app)
        .post(`/chat/${token}/messages`)
        .set({ 'Idempotency-Key': 'chat-garbage', ...headers })
        .send(body);
    const JSON_TYPE = { 'Content-Type': 'application/json' };
    const probes: [string, Promise<request.Response>, number][] = [
      ['text/plain', post('{"text":"hi"}', { 'Content-Type': 'text/plain' }), 415],
      ['a form', post('text=hi', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415],
      ['no body', request(app).post(`/chat/${token}/messages`).set('Idempotency-Key', 'chat-garbage'), 400],
      ...[null, 12, true, [], {}, ['hi']].map((v): [string, Promise<request.Response>, number] => [
        `text: ${JSON.stringify(v)}`,
        post(JSON.stringify({ text: v }), JSON_TYPE),
        400,
      ]),
      ['an extra property', post('{"text":"hi","author":"Alex Agent"}', JSON_TYPE), 400],
      ['__proto__', post('{"text":"hi","__proto__":{"polluted":true}}', JSON_TYPE), 400],
      ['not JSON', post('{"text":"hi",', JSON_TYPE), 400],
      ['objects 10,000 deep', post(`{"text":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, JSON_TYPE), 400],
      ['oversized', post(JSON.stringify({ text: 'x'.repeat(101 * 1024) }), JSON_TYPE), 413],
      ['a key of 300 characters', post('{"text":"hi"}', { ...JSON_TYPE, 'Idempotency-Key': 'k'.repeat(300) }), 400],
      ['a key with spaces', post('{"text":"hi"}', { ...JSON_TYPE, 'Idempotency-Key': 'a b' }), 400],
      ...['?after=abc', '?after=-1', '?after[]=1', '?hostile=1', '?after=1e400'].map(
        (q): [string, Promise<request.Response>, number] => [
          `events${q}`,
          request(app).get(`/chat/${token}/events${q}`),
          400,
        ],
      ),
      ['Last-Event-ID -1', request(app).get(`/chat/${token}/events`).set('Last-Event-ID', '-1'), 400],
    ];
    for (const [what, pending, status] of probes) {
      const res = await pending;
      assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.match(String(res.headers['content-type']), /^application\/json/, what);
      assert.equal(typeof res.body.error?.code, 'string', what);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // A message after the garbage is the second message of the thread: nothing else got in.
    await say(token, 'hello', 'chat-after-garbage').expect(202);
    const page = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.count >= 2 ? p : undefined;
    }, 'the message');
    assert.deepEqual(
      page.messages.map((m) => m.text),
      ["I can't log in to my account since this morning.", 'hello'],
    );
  });

  it("shows an in-app case's self-service answer on the thread, and its messages arrive via in_app", async () => {
    const c = await open({ channel: 'in_app', subject: "I can't log in", description: 'Login keeps failing.' });
    const page = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.count >= 2 ? p : undefined;
    }, 'the self-service answer on the thread');
    const answer = page.messages[1];
    assert.equal(answer.author.kind, 'system');
    assert.equal(answer.delivery, 'posted');
    assert.match(answer.text, /1\. Verify email is correct\n2\. Try password reset/);
    const { token } = await linkOf(c.caseId);
    await say(token, 'Tried them all.', 'chat-tried').expect(202);
    const after = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.count >= 3 ? p : undefined;
    }, 'the customer message');
    assert.equal(after.messages[2].channel, 'in_app');
  });
});
