import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { SupportPolicy } from '../../src/policy/types';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { CaseView } from '../../workflows/contracts';
import { eventually } from '../helpers/wait';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';

// The dev server does not skip time, so this policy sends the survey as soon as a case resolves.
const policy: SupportPolicy = { ...DEFAULT_POLICY, csat: { surveyDelayMinutes: 0, responseWindowMinutes: 60 } };

const AGENT = bearer('agent');
const INTAKE = bearer('intake');
const ENGINEER = bearer('engineer');

const newCase = (over: Record<string, unknown> = {}) => ({
  channel: 'email',
  customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
  subject: 'Cannot log in',
  description: "I can't log in to my account since this morning.",
  ...over,
});

describe('HTTP API (dev server, worker, SMTP and Stripe peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'api' });
    ({ env, inbox } = rig);
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    app = createApp({ client: env.client, config, policy, log: () => undefined });
  });
  after(() => rig?.stop());

  const open = async (over: Record<string, unknown> = {}): Promise<CaseView> => {
    const res = await request(app).post('/cases').set(AGENT).send(newCase(over));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as CaseView;
  };
  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;

  it('answers POST /cases at once with the view the workflow then holds (the same pure function)', async () => {
    const res = await request(app).post('/cases').set(AGENT).send(newCase()).expect(201);
    const answered = res.body as CaseView;
    assert.equal(res.headers.location, `/cases/${answered.caseId}`);
    // What the worker holds after its first task: nothing is lost or invented, only time moved on.
    const held = await eventually(async () => {
      const v = await view(answered.caseId);
      return v.timeline.length > 0 ? v : undefined;
    }, 'the first workflow task');
    const timeless = (v: CaseView) => ({
      ...v,
      clocksAsOf: undefined,
      clocks: v.clocks?.map((c) => ({ ...c, remainingMs: undefined, elapsedBusinessMs: undefined })),
    });
    assert.deepEqual(timeless(held), timeless(answered));
    assert.deepEqual(
      answered.clocks?.map((c) => [c.id, c.state, c.deadline]),
      held.clocks?.map((c) => [c.id, c.state, c.deadline]),
    );
    assert.equal(answered.timeline[0].at, answered.times.openedAt);
  });

  it("works a case from open to the customer's rating: assign, reply, resolve, rate", async () => {
    const opened = await open();
    assert.equal(opened.status, 'new');
    assert.equal(opened.category, 'account');
    assert.match(opened.caseId, /^ES-[A-Z0-9]{10}$/);

    const assigned = await request(app)
      .post(`/cases/${opened.caseId}/assign`)
      .set(AGENT)
      .send({ agent: 'Sam Agent' })
      .expect(200);
    assert.deepEqual(assigned.body.assignee, { id: 'sam-agent', name: 'Sam Agent' });
    assert.equal(assigned.body.status, 'open');

    await request(app)
      .post(`/cases/${opened.caseId}/reply`)
      .set(AGENT)
      .send({ message: 'Which browser do you use?' })
      .expect(200);
    const welcome = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === opened.caseId && m.headers['x-template-id'] === 'welcome',
    );
    assert.match(welcome.text, /I'm Alex Agent and I'll be helping you today/);
    // The agent reads the thread: the customer's words, then their own reply.
    const thread = await request(app).get(`/cases/${opened.caseId}/messages`).set(AGENT).expect(200);
    assert.deepEqual(
      thread.body.messages.map((m: { author: { kind: string }; text: string }) => [m.author.kind, m.text]),
      [
        ['customer', opened.description],
        ['agent', 'Which browser do you use?'],
      ],
    );
    await request(app).get(`/cases/${opened.caseId}/messages?after=1&before=2`).set(AGENT).expect(400);

    const resolved = await request(app)
      .post(`/cases/${opened.caseId}/resolve`)
      .set(AGENT)
      .send({
        actionTaken: 'unlocked your account',
        expectedResult: 'you can sign in again',
        specificAction: 'signing in',
      })
      .expect(200);
    assert.equal(resolved.body.status, 'resolved');
    await inbox.waitFor(
      (m) => m.headers['x-case-id'] === opened.caseId && m.headers['x-template-id'] === 'issue_resolved',
    );

    const survey = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === opened.caseId && m.headers['x-template-id'] === 'csat_survey',
    );
    const link = /http:\/\/127\.0\.0\.1:3999(\/csat\/[A-Za-z0-9_.-]+)/.exec(survey.text);
    assert.ok(link, 'survey e-mail has a link to the API');
    const page = await request(app).get(link[1]).expect(200);
    assert.match(page.text, /How did we do\?/);

    const rated = await request(app).post(link[1]).send({ rating: 4, comment: 'fine' }).expect(200);
    assert.deepEqual(rated.body, { caseId: opened.caseId, rating: 4, thanks: true });
    const again = await request(app).post(link[1]).send({ rating: 1 }).expect(409);
    assert.deepEqual(again.body, { error: { code: 'already_done', message: 'this case has already been rated' } });
    const final = await view(opened.caseId);
    assert.equal(final.status, 'closed');
    assert.equal(final.csat?.rating, 4);
    assert.deepEqual(
      final.timeline.map((t) => t.action),
      ['opened', 'assigned', 'replied', 'resolved', 'csat_survey_sent', 'rated', 'closed'],
    );

    // Found through Temporal visibility by its search attributes.
    const listed = await eventually(async () => {
      const res = await request(app)
        .get('/cases')
        .query({ status: 'closed', assignee: 'Sam Agent' })
        .set(AGENT)
        .expect(200);
      return (res.body.cases as { caseId: string }[]).find((c) => c.caseId === opened.caseId);
    }, 'the case in the list');
    assert.deepEqual(
      { ...listed, openedAt: undefined },
      {
        caseId: opened.caseId,
        status: 'closed',
        category: 'account',
        channel: 'email',
        assignee: 'Sam Agent',
        openedAt: undefined,
        workflowStatus: 'RUNNING',
      },
    );
  });

  it('returns the same case for a retried POST /cases with the same Idempotency-Key', async () => {
    const key = `retry-${Date.now()}`;
    const first = await request(app).post('/cases').set(INTAKE).set('Idempotency-Key', key).send(newCase()).expect(201);
    const second = await request(app)
      .post('/cases')
      .set(INTAKE)
      .set('Idempotency-Key', key)
      .send(newCase())
      .expect(200);
    assert.equal(second.body.caseId, first.body.caseId);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const runs = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = 'case-${first.body.caseId}'` }))
      runs.push(wf);
    assert.equal(runs.length, 1);
    const other = await request(app)
      .post('/cases')
      .set(INTAKE)
      .set('Idempotency-Key', `${key}-other`)
      .send(newCase())
      .expect(201);
    assert.notEqual(other.body.caseId, first.body.caseId);
    await request(app).post('/cases').set(INTAKE).set('Idempotency-Key', 'has spaces').send(newCase()).expect(400);
  });

  it('refuses requests without a valid token (401) or with a role that may not (403)', async () => {
    const c = await open();
    assert.equal((await request(app).get(`/cases/${c.caseId}`)).status, 401);
    const bad = await request(app).get(`/cases/${c.caseId}`).set({ Authorization: 'Bearer nope' });
    assert.deepEqual(bad.body, { error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    assert.equal(bad.status, 401);
    await request(app).get(`/cases/${c.caseId}`).set(ENGINEER).expect(200);
    const forbidden = await request(app)
      .post(`/cases/${c.caseId}/reply`)
      .set(ENGINEER)
      .send({ message: 'hi' })
      .expect(403);
    assert.equal(forbidden.body.error.code, 'forbidden');
    await request(app).post('/cases').set(ENGINEER).send(newCase()).expect(403);
    await request(app).post(`/cases/${c.caseId}/customer-replies`).set(AGENT).send({ message: 'hi' }).expect(403);
    assert.deepEqual(
      (await view(c.caseId)).timeline.map((t) => t.action),
      ['opened'],
    );
  });

  it('rejects malformed bodies with 400 and changes nothing', async () => {
    const c = await open();
    const cases: [string, object | string][] = [
      ['/cases', { ...newCase(), customer: { name: 'x' } }],
      ['/cases', { ...newCase(), channel: 'fax' }],
      ['/cases', { ...newCase(), extra: true }],
      ['/cases', { ...newCase(), subject: 'x'.repeat(201) }],
      ['/cases', { ...newCase(), paymentIntentId: "pi_1' OR 1=1" }],
      [`/cases/${c.caseId}/reply`, {}],
      [`/cases/${c.caseId}/reply`, { message: '   ' }],
      [`/cases/${c.caseId}/resolve`, { actionTaken: 'x' }],
      [`/cases/${c.caseId}/category`, { category: 'billing' }],
      [
        `/cases/${c.caseId}/checklist/verify-identity/complete`,
        { evidence: { email: 'grace@example.com', last4: '12' } },
      ],
      [`/cases/${c.caseId}/reply`, '{"message": '],
    ];
    for (const [path, body] of cases) {
      const req = request(app).post(path).set(AGENT);
      const res =
        typeof body === 'string' ? await req.set('Content-Type', 'application/json').send(body) : await req.send(body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error?.code && res.body.error?.message, 'error body has code and message');
    }
    const listBad = await request(app).get('/cases').query({ assignee: "x' OR CaseStatus != '" }).set(AGENT);
    assert.equal(listBad.status, 400);
    assert.deepEqual(
      (await view(c.caseId)).timeline.map((t) => t.action),
      ['opened'],
    );
  });

  it('refuses bodies that are not JSON with 415 and changes nothing; a bare POST reads as no body', async () => {
    const c = await open();
    const before = await view(c.caseId);
    const sent: [string, string, string][] = [
      ['assign', 'text/plain', '{"agent":"Sam Agent"}'],
      ['assign', 'application/octet-stream', '{}'],
      ['verification-request', 'text/plain', ''],
      ['verification-request', 'application/octet-stream', '{}'],
      ['notes', 'application/x-www-form-urlencoded', 'text=hello'],
      [
        'notes',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--x--',
      ],
    ];
    for (const [action, type, body] of sent) {
      const res = await request(app)
        .post(`/cases/${c.caseId}/${action}`)
        .set(AGENT)
        .set('Content-Type', type)
        .send(body);
      assert.equal(res.status, 415, `${action} ${type} -> ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'unsupported_media_type');
    }
    assert.deepEqual(await view(c.caseId), before);
    const bare = await request(app).post(`/cases/${c.caseId}/assign`).set(AGENT).expect(200);
    assert.deepEqual(bare.body.assignee, { id: 'alex-agent', name: 'Alex Agent' });
    await request(app)
      .post(`/cases/${c.caseId}/notes`)
      .set(AGENT)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ text: 'JSON with a charset is JSON' }))
      .expect(200);
  });

  it('answers 404 for unknown cases and 409/422 for refused actions, leaving the case as it was', async () => {
    await request(app).get('/cases/ES-DOESNOTEXIST').set(AGENT).expect(404);
    await request(app).get('/cases/not-a-case-id').set(AGENT).expect(404);
    await request(app).post('/cases/ES-DOESNOTEXIST/reply').set(AGENT).send({ message: 'hi' }).expect(404);
    const c = await open();
    const before = await view(c.caseId);
    const close = await request(app).post(`/cases/${c.caseId}/close`).set(AGENT).send({}).expect(409);
    assert.deepEqual(close.body, {
      error: { code: 'status_forbids', message: 'the case is new: close is not allowed' },
    });
    const step = await request(app).post(`/cases/${c.caseId}/checklist/nope/complete`).set(AGENT).send({}).expect(422);
    assert.equal(step.body.error.code, 'invalid_action');
    await request(app).post(`/cases/${c.caseId}/assign`).set(AGENT).send({ agent: 'Nobody Known' }).expect(422);
    await request(app).post(`/cases/${c.caseId}/reopen`).set(AGENT).send({ reason: 'why not' }).expect(409);
    assert.deepEqual(await view(c.caseId), before);
  });

  it('relays customer replies from intake and runs the checklist steps', async () => {
    const c = await open({
      subject: 'Refund not received',
      description: "I didn't receive my refund for last week's session.",
      paymentIntentId: 'pi_demo_session',
    });
    assert.equal(c.category, 'payment');
    const withPayment = await eventually(async () => {
      const v = await view(c.caseId);
      return v.payment ? v : undefined;
    }, 'the payment lookup');
    assert.equal(withPayment.payment?.succeeded, true);
    assert.equal(withPayment.payment?.amountCents, 6000);
    await request(app).post(`/cases/${c.caseId}/verification-request`).set(AGENT).send({}).expect(200);
    const waiting = await view(c.caseId);
    assert.equal(waiting.status, 'awaiting_customer');
    const relayed = await request(app)
      .post(`/cases/${c.caseId}/customer-replies`)
      .set(INTAKE)
      .send({ message: 'grace@example.com, card ends 1881' })
      .expect(202);
    assert.equal(relayed.body.caseId, c.caseId);
    await eventually(
      async () => ((await view(c.caseId)).status === 'open' ? true : undefined),
      'the case to reopen on reply',
    );
    const skipped = await request(app)
      .post(`/cases/${c.caseId}/checklist/check-booking-status/skip`)
      .set(AGENT)
      .send({ note: 'no booking involved' })
      .expect(200);
    assert.equal(skipped.body.checklist.find((s: { id: string }) => s.id === 'check-booking-status').state, 'skipped');
    const note = await request(app)
      .post(`/cases/${c.caseId}/notes`)
      .set(AGENT)
      .send({ text: 'refund went out on the 3rd' })
      .expect(200);
    assert.equal(note.body.notes[0].text, 'refund went out on the 3rd');
    const recat = await request(app)
      .post(`/cases/${c.caseId}/category`)
      .set(AGENT)
      .send({ category: 'booking' })
      .expect(200);
    assert.equal(recat.body.category, 'booking');
    assert.ok(recat.body.checklist.some((s: { id: string }) => s.id === 'check-booking-state'));
    await request(app).post(`/cases/${c.caseId}/checklist/verify-identity/complete`).set(AGENT).send({}).expect(422);
  });

  it('serves /healthz and an OpenAPI document describing every route', async () => {
    const health = await request(app).get('/healthz').expect(200);
    assert.equal(health.body.status, 'ok');
    const doc = (await request(app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const p of [
      '/cases',
      '/cases/{caseId}',
      '/cases/{caseId}/assign',
      '/cases/{caseId}/reply',
      '/cases/{caseId}/verification-request',
      '/cases/{caseId}/checklist/{stepId}/complete',
      '/cases/{caseId}/checklist/{stepId}/skip',
      '/cases/{caseId}/category',
      '/cases/{caseId}/notes',
      '/cases/{caseId}/wait-for-customer',
      '/cases/{caseId}/customer-replies',
      '/cases/{caseId}/resolve',
      '/cases/{caseId}/reopen',
      '/cases/{caseId}/close',
      '/csat/{token}',
      '/healthz',
    ]) {
      assert.ok(doc.paths[p], `OpenAPI lists ${p}`);
    }
    assert.ok((doc.paths['/cases'].post as { requestBody?: unknown }).requestBody);
    type Op = { responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } };
    for (const [p, ops] of Object.entries(doc.paths) as [string, Record<string, Op>][])
      if (ops.post) assert.ok(ops.post.responses['415'], `POST ${p} documents 415`);
    assert.deepEqual(Object.keys((doc.paths['/csat/{token}'].post as Op).requestBody!.content), [
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    assert.deepEqual(Object.keys((doc.paths['/cases/{caseId}/notes'].post as Op).requestBody!.content), [
      'application/json',
    ]);
    await request(app).get('/nope').expect(404);
    await request(app).post('/csat/forged.token').send({ rating: 5 }).expect(404);
  });
});
