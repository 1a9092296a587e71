import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { CaseView, IncidentView } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const ENGINEER = bearer('engineer');
const LEAD = bearer('lead');

describe('HTTP API: incidents (dev server, worker, SMTP peer)', function () {
  this.timeout(180_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'inc-api' });
    ({ env, inbox } = rig);
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  const openCase = async (i: number): Promise<string> => {
    const res = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({
        channel: 'email',
        customer: { name: `Customer ${i}`, email: `customer${i}@example.com` },
        subject: 'Payment failed',
        description: 'My payment failed at checkout.',
      })
      .expect(201);
    return (res.body as CaseView).caseId;
  };
  const mailsOf = (template: string, caseIds: string[]) =>
    inbox.messages().filter((m) => caseIds.includes(m.headers['x-case-id']) && m.headers['x-template-id'] === template);
  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;

  it('tells 50 linked customers each update once: the Escalation Notice first, then the short update; a retry tells nobody twice', async () => {
    const caseIds: string[] = [];
    for (let i = 0; i < 50; i += 10)
      caseIds.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => openCase(i + k)))));

    await request(app)
      .post('/incidents')
      .set(AGENT)
      .send({ title: 'Checkout fails', severity: 'P0', area: { component: 'payments' } })
      .expect(403); // agents link cases; engineers and the support lead open incidents
    await request(app)
      .post('/incidents')
      .set(ENGINEER)
      .send({ title: 'Checkout fails', severity: 'P0', area: {} })
      .expect(400);
    const opened = await request(app)
      .post('/incidents')
      .set(ENGINEER)
      .set('Idempotency-Key', 'checkout-outage-1')
      .send({ title: 'Checkout fails', severity: 'P0', area: { category: 'payment', component: 'payments' } })
      .expect(201);
    const incident = opened.body as IncidentView;
    assert.match(incident.incidentId, /^INC-[A-Z0-9]{8}$/);
    assert.equal(incident.status, 'investigating');
    const again = await request(app)
      .post('/incidents')
      .set(ENGINEER)
      .set('Idempotency-Key', 'checkout-outage-1')
      .send({ title: 'Checkout fails', severity: 'P0', area: { category: 'payment', component: 'payments' } })
      .expect(200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.incidentId, incident.incidentId);

    // The known-issues list.
    const known = await eventually(async () => {
      const res = await request(app).get('/incidents?status=open').set(AGENT).expect(200);
      return (res.body.incidents as { incidentId: string }[]).find((x) => x.incidentId === incident.incidentId);
    }, 'the incident in the known-issues list');
    assert.deepEqual(known, {
      incidentId: incident.incidentId,
      title: 'Checkout fails',
      severity: 'P0',
      status: 'investigating',
      category: 'payment',
      component: 'payments',
      openedAt: (known as unknown as { openedAt: string }).openedAt,
    });

    // An agent links the cases; each case shows its incident.
    const base = `/incidents/${incident.incidentId}`;
    const linked = await request(app).post(`${base}/cases`).set(AGENT).send({ link: caseIds }).expect(200);
    assert.equal((linked.body as IncidentView).linkedCases.length, 50);
    await eventually(async () => ((await view(caseIds[49])).incidents?.length === 1 ? true : undefined), 'case linked');

    const post = (text: string, key: string) =>
      request(app)
        .post(`${base}/updates`)
        .set(ENGINEER)
        .set('Idempotency-Key', key)
        .send({ text, status: 'identified' });
    await post('We found the cause: our card processor times out. A fix is on its way.', 'upd-1').expect(200);
    const retried = await post(
      'We found the cause: our card processor times out. A fix is on its way.',
      'upd-1',
    ).expect(200);
    assert.equal(retried.headers['idempotent-replayed'], 'true');
    const reused = await post('Something else', 'upd-1').expect(422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    await eventually(
      async () => (mailsOf('escalation_notice', caseIds).length >= 50 ? true : undefined),
      '50 notices',
      60_000,
    );

    await request(app)
      .post(`${base}/updates`)
      .set(ENGINEER)
      .send({ text: 'The fix is deployed; we are watching it.', status: 'monitoring' })
      .expect(200);
    await eventually(
      async () => (mailsOf('incident_update', caseIds).length >= 50 ? true : undefined),
      '50 updates',
      60_000,
    );
    // The agent keeps one case open past the outage (its customer has a second problem).
    const kept = caseIds[49];
    await request(app)
      .post(`${base}/cases`)
      .set(AGENT)
      .send({ optOut: ['ES-0000000000'] })
      .expect(422);
    const optedOut = await request(app)
      .post(`${base}/cases`)
      .set(AGENT)
      .send({ optOut: [kept] })
      .expect(200);
    assert.deepEqual((optedOut.body as IncidentView).optedOut, [kept]);
    await request(app).post(`${base}/resolve`).set(LEAD).send({ fix: 'Payments work again since 14:05.' }).expect(200);
    const done = await eventually(
      async () => {
        const v = (await request(app).get(base).set(AGENT).expect(200)).body as IncidentView;
        return v.updates.length === 3 && v.updates.every((u) => u.notified === 50) ? v : undefined;
      },
      'every update delivered',
      60_000,
    );
    assert.equal(done.status, 'resolved');
    await eventually(
      async () =>
        mailsOf('issue_resolved', caseIds).length >= 49 && mailsOf('incident_update', [kept]).length >= 2
          ? true
          : undefined,
      'resolved notices',
      60_000,
    );

    // Each customer: one notice, then one e-mail per later update; the fix resolves the case with
    // the seed's Issue Resolved template, except the one the agent kept open; nothing twice.
    for (const id of caseIds) {
      assert.equal(mailsOf('escalation_notice', [id]).length, 1, `${id}: one Escalation Notice`);
      assert.equal(mailsOf('incident_update', [id]).length, id === kept ? 2 : 1, `${id}: updates`);
      assert.equal(mailsOf('issue_resolved', [id]).length, id === kept ? 0 : 1, `${id}: Issue Resolved`);
    }
    assert.match(mailsOf('issue_resolved', [caseIds[0]])[0].text, /Payments work again since 14:05/);
    assert.equal((await view(caseIds[0])).status, 'resolved');
    assert.notEqual((await view(kept)).status, 'resolved');
    // Recent deployments: CI/CD records a deploy; the incident shows the last 6 hours of them.
    const DEPLOYER = bearer('deployer');
    await request(app).post('/deployments').set(AGENT).send({ service: 'checkout', version: '2.4.1' }).expect(403);
    const deploy = () =>
      request(app)
        .post('/deployments')
        .set(DEPLOYER)
        .set('Idempotency-Key', 'deploy-checkout-2.4.1')
        .send({ service: 'checkout', version: '2.4.1', link: 'https://ci.example.com/runs/981' });
    const d1 = await deploy().expect(201);
    const d2 = await deploy().expect(201);
    assert.equal(d2.body.n, d1.body.n, 'a retried deploy is recorded once');
    await request(app)
      .post('/deployments')
      .set(DEPLOYER)
      .send({ service: 'bookings', version: '1.0.0', at: new Date(Date.now() - 8 * 3_600_000).toISOString() })
      .expect(201);
    const shown = (await request(app).get(base).set(AGENT).expect(200)).body as IncidentView & {
      recentDeployments: { service: string; version: string; by: string }[];
    };
    assert.deepEqual(
      shown.recentDeployments.map((d) => [d.service, d.version, d.by]),
      [['checkout', '2.4.1', 'CI Pipeline']],
      'the last 6 hours only, once',
    );
    const all = await request(app).get('/deployments?hours=24').set(AGENT).expect(200);
    assert.equal(all.body.deployments.length, 2);

    const c = await view(caseIds[0]);
    assert.deepEqual(
      c.timeline.filter((t) => t.action.startsWith('incident_')).map((t) => t.action),
      ['incident_linked', 'incident_update_sent', 'incident_update_sent', 'incident_resolved_notice_sent'],
    );
    const text = mailsOf('escalation_notice', [caseIds[0]])[0].text;
    assert.match(text, /Reference number: ES-/);
    await request(app).post(`${base}/updates`).set(ENGINEER).send({ text: 'late' }).expect(409);
    await eventually(async () => {
      const res = await request(app).get('/incidents?status=open').set(AGENT).expect(200);
      return (res.body.incidents as { incidentId: string }[]).some((x) => x.incidentId === incident.incidentId)
        ? undefined
        : true;
    }, 'a resolved incident leaves the known-issues list');
  });
});
