import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { CaseView } from '../../workflows/contracts';
import { signPagerDutyPayload } from '../../src/security/pagerduty-signature';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';

const TEST_PD_SECRET = 'test-pagerduty-webhook-secret-0123';

const AGENT = bearer('agent');
const ENGINEER = bearer('engineer');
const INTAKE = bearer('intake');

const template = {
  title: 'Login broken for Google accounts',
  affectedUsers: 'Every Google sign-in since 09:00',
  issue: 'OAuth callback answers 500.',
  stepsToReproduce: '1. Open the login page\n2. Choose Sign in with Google',
  userImpact: 'Students with Google accounts cannot log in.',
  whatTried: 'Cleared cache; password login works.',
};

describe('HTTP API: escalations (dev server, worker, Slack, PagerDuty and SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'esc-api', slack: true, pagerDuty: true });
    ({ env, inbox } = rig);
    [slack, pagerDuty] = [rig.slack!, rig.pagerDuty!];
    const taskQueue = rig.taskQueue;
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
      PAGERDUTY_WEBHOOK_SECRET: TEST_PD_SECRET,
    });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  const open = async (over: Record<string, unknown> = {}): Promise<CaseView> => {
    const res = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({
        channel: 'email',
        customer: { name: 'Grace Hopper', email: 'grace@example.com' },
        subject: 'Cannot log in',
        description: 'Google sign-in fails with an error page.',
        ...over,
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as CaseView;
  };
  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;

  it('escalates with the seed template: Slack post, Escalation Notice, engineering clock; an engineer acknowledges once', async () => {
    const c = await open();
    const res = await request(app)
      .post(`/cases/${c.caseId}/escalate`)
      .set(AGENT)
      .send({ severity: 'P1', ...template })
      .expect(200);
    const esc = (res.body as CaseView).escalations![0];
    assert.equal(esc.id, 'esc-1');
    assert.equal(esc.severity, 'P1');
    assert.deepEqual(esc.stepsToReproduce, ['Open the login page', 'Choose Sign in with Google']);
    assert.match(esc.followUp.promised, /^1 hour, by /);
    const post = await slack.waitFor(
      (m) => (m.text ?? '').includes(c.caseId) && (m.text ?? '').startsWith('🚨 ESCALATION: Login broken'),
    );
    assert.equal(post.channel, '#support-escalations');
    assert.ok(post.blocks?.length, 'posted as Block Kit');
    const notice = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === c.caseId && m.headers['x-template-id'] === 'escalation_notice',
    );
    assert.match(notice.text, /You can expect an update within 1 hour, by /);

    // Ops find it in visibility by the new search attributes.
    const query = `WorkflowId = 'case-${c.caseId}' AND CaseSeverity = 'P1' AND CaseEscalationLevel = 1 AND CaseBreached = false AND CaseNextDeadline > '2000-01-01T00:00:00Z'`;
    let found = 0;
    for (let i = 0; i < 50 && !found; i++) {
      for await (const wf of env.client.workflow.list({ query })) {
        found++;
        assert.ok(wf.searchAttributes.CaseNextDeadline);
      }
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(found, 1, 'the case is listed by severity, level, breach and next deadline');
    const asAgent = await request(app).post(`/cases/${c.caseId}/escalations/esc-1/ack`).set(AGENT).send({}).expect(403);
    assert.equal(asAgent.body.error.code, 'forbidden');
    const acked = await request(app)
      .post(`/cases/${c.caseId}/escalations/esc-1/ack`)
      .set(ENGINEER)
      .send({})
      .expect(200);
    assert.equal(acked.body.escalations[0].state, 'acknowledged');
    assert.equal(acked.body.escalations[0].acknowledged.by, 'Erin Engineer');
    const again = await request(app)
      .post(`/cases/${c.caseId}/escalations/esc-1/ack`)
      .set(ENGINEER)
      .send({})
      .expect(409);
    assert.equal(again.body.error.code, 'already_done');
    await request(app).post(`/cases/${c.caseId}/escalations/esc-9/ack`).set(ENGINEER).send({}).expect(422);
    const resolved = await request(app)
      .post(`/cases/${c.caseId}/escalations/esc-1/resolve`)
      .set(ENGINEER)
      .send({ note: 'callback URL fixed' })
      .expect(200);
    assert.equal(resolved.body.escalations[0].state, 'resolved');
  });

  it('refuses a P0-P2 escalation missing template fields (422), bad bodies (400) and the wrong role (403), changing nothing', async () => {
    const c = await open();
    const before = await view(c.caseId);
    const missing = await request(app)
      .post(`/cases/${c.caseId}/escalate`)
      .set(AGENT)
      .send({ severity: 'P2', title: 'Slow page' })
      .expect(422);
    assert.deepEqual(missing.body.error, {
      code: 'invalid_action',
      message: "a P2 escalation needs the template's affectedUsers, issue, stepsToReproduce, userImpact, whatTried",
    });
    // No severity: the seed's "When to Escalate" rules suggest one (here P0), and a P0 needs the whole template.
    const suggested = await request(app)
      .post(`/cases/${c.caseId}/escalate`)
      .set(AGENT)
      .send({ title: 'Complete service outage' })
      .expect(422);
    assert.match(suggested.body.error.message, /^a P0 escalation needs/);
    for (const body of [
      { severity: 'P5', ...template },
      { ...template, severity: 'P1', extra: 1 },
      { severity: 'P1', ...template, title: '' },
      { severity: 'P1', ...template, stepsToReproduce: 7 },
    ]) {
      const res = await request(app).post(`/cases/${c.caseId}/escalate`).set(AGENT).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    await request(app).post(`/cases/${c.caseId}/escalate`).set(ENGINEER).send({ severity: 'P3' }).expect(403);
    await request(app).post(`/cases/${c.caseId}/escalate`).set(INTAKE).send({ severity: 'P3' }).expect(403);
    await request(app)
      .post(`/cases/${c.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'Not An Id' })
      .expect(400);
    const unknown = await request(app)
      .post(`/cases/${c.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'zoom-failure' })
      .expect(422);
    assert.match(
      unknown.body.error.message,
      /not an escalation trigger of the account category \(it has: oauth, database-inconsistency, suspected-fraud, legal-compliance\)/,
    );
    assert.deepEqual(await view(c.caseId), before);
  });

  it("escalates a flagged category trigger with the policy's severity, once; a P3 needs no template; resolved cases refuse (409)", async () => {
    const c = await open();
    const flagged = await request(app)
      .post(`/cases/${c.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'oauth', note: 'Google OAuth callback fails' })
      .expect(200);
    assert.deepEqual(
      flagged.body.escalations.map((e: { source: string; severity: string; triggerId: string }) => [
        e.source,
        e.severity,
        e.triggerId,
      ]),
      [['trigger', 'P2', 'oauth']],
    );
    const twice = await request(app)
      .post(`/cases/${c.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'oauth' })
      .expect(409);
    assert.equal(twice.body.error.code, 'already_done');
    const p3 = await request(app).post(`/cases/${c.caseId}/escalate`).set(AGENT).send({ severity: 'P3' }).expect(200);
    assert.equal(p3.body.escalations[1].title, 'Cannot log in');
    const changed = await request(app)
      .post(`/cases/${c.caseId}/escalations/esc-2/severity`)
      .set(AGENT)
      .send({ severity: 'P0', reason: 'every user is affected' })
      .expect(200);
    assert.equal(changed.body.escalations[1].severity, 'P0');
    await pagerDuty.waitFor((e) => e.dedupKey === `case-${c.caseId}:esc-2:rung-2` && e.action === 'trigger');
    await request(app)
      .post(`/cases/${c.caseId}/resolve`)
      .set(AGENT)
      .send({ actionTaken: 'fixed the login', expectedResult: 'you can log in', specificAction: 'logging in' })
      .expect(200);
    const refused = await request(app)
      .post(`/cases/${c.caseId}/escalate`)
      .set(AGENT)
      .send({ severity: 'P3' })
      .expect(409);
    assert.equal(refused.body.error.code, 'status_forbids');
  });

  it('stops the ladder when the on-call engineer acknowledges in PagerDuty (a signed v3 webhook); a bad signature is 401', async () => {
    const c = await open();
    await request(app)
      .post(`/cases/${c.caseId}/escalate`)
      .set(AGENT)
      .send({ ...template, severity: 'P0' })
      .expect(200);
    const dedupKey = `case-${c.caseId}:esc-1:rung-1`;
    await pagerDuty.waitFor((e) => e.dedupKey === dedupKey && e.action === 'trigger');
    const webhook = {
      event: {
        id: `01PD${Date.now()}`,
        event_type: 'incident.acknowledged',
        resource_type: 'incident',
        occurred_at: new Date().toISOString(),
        agent: { id: 'PUSER1', summary: 'Ellis Engineer', type: 'user_reference' },
        data: { id: 'Q1INCIDENT', type: 'incident', status: 'acknowledged', incident_key: dedupKey },
      },
    };
    const raw = JSON.stringify(webhook);
    const send = (signature: string) =>
      request(app)
        .post('/webhooks/pagerduty')
        .set('Content-Type', 'application/json')
        .set('X-PagerDuty-Signature', signature)
        .send(raw);
    const bad = await send(signPagerDutyPayload('another-secret-0123456789', raw)).expect(401);
    assert.equal(bad.body.error.code, 'bad_signature');
    assert.equal((await view(c.caseId)).escalations?.[0].state, 'open', 'a forged acknowledgement changes nothing');
    // PagerDuty sends one signature per active secret while a secret rotates.
    const good = `${signPagerDutyPayload('old-secret-0123456789abc', raw)},${signPagerDutyPayload(TEST_PD_SECRET, raw)}`;
    const ack = await send(good).expect(200);
    assert.deepEqual(ack.body, { received: true, handled: true, caseId: c.caseId, escalationId: 'esc-1' });
    const v = await view(c.caseId);
    assert.equal(v.escalations?.[0].state, 'acknowledged');
    assert.match(JSON.stringify(v.timeline), /Ellis Engineer \(PagerDuty\)/);
    // PagerDuty retries a delivery: nothing happens twice.
    const again = await send(good).expect(200);
    assert.equal(again.body.caseId, c.caseId);
    assert.equal((await view(c.caseId)).timeline.filter((t) => t.action === 'escalation_acknowledged').length, 1);
    await pagerDuty.waitFor((e) => e.dedupKey === dedupKey && e.action === 'acknowledge');
  });

  it('escalates every technical case to Engineering automatically', async () => {
    const c = await open({
      subject: 'App not loading',
      description: 'The app shows a blank page with an error.',
      category: 'technical',
    });
    const escalated = await (async () => {
      for (let i = 0; i < 50; i++) {
        const v = await view(c.caseId);
        if (v.escalations?.length) return v;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('no automatic escalation');
    })();
    assert.deepEqual(
      escalated.escalations!.map((e) => [e.source, e.severity]),
      [['category', 'P3']],
    );
    await slack.waitFor(
      (m) =>
        (m.text ?? '').includes(c.caseId) &&
        (m.text ?? '').startsWith('🚨 ESCALATION: Technical Issues: App not loading'),
    );
  });
});
