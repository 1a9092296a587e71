// The seed's contacts in full, per-channel acknowledgement waits, the Acknowledge button and recent
// deploys on a case's escalations, observed the way a user
// would: the PagerDuty, Slack and SMTP peers, the API's answers, on the time-skipping server (so a
// rung's 15 or 30 minutes pass in a moment). The API runs in-process against the same server.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import type { PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { CaseView } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { addDays, newYork, nyDate, workday } from '../helpers/new-york';
import { slackClick } from '../helpers/slack';

const AGENT = bearer('agent');
const DEPLOYER = bearer('deployer');
const SLACK_SECRET = TEST_ENV.SLACK_SIGNING_SECRET;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const template = {
  title: 'Login broken for Google accounts',
  affectedUsers: 'Every Google sign-in since 09:00',
  issue: 'OAuth callback answers 500.',
  stepsToReproduce: '1. Open the login page\n2. Choose Sign in with Google',
  userImpact: 'Students with Google accounts cannot log in.',
  whatTried: 'Cleared cache; password login works.',
};

describe('escalation contacts, channel waits, the Slack Acknowledge button, recent deploys (time-skipping server)', function () {
  this.timeout(180_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'time-skipping', prefix: 'esc-contacts', slack: true, pagerDuty: true });
    ({ env, inbox } = rig);
    [slack, pagerDuty] = [rig.slack!, rig.pagerDuty!];
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
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
  const escalate = async (caseId: string, body: Record<string, unknown>): Promise<CaseView> =>
    (await request(app).post(`/cases/${caseId}/escalate`).set(AGENT).send(body).expect(200)).body as CaseView;
  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
  const key = (caseId: string, k: number) => `case-${caseId}:esc-1:rung-${k}`;
  const pages = (dedupKey: string) => pagerDuty.events.filter((e) => e.dedupKey === dedupKey && e.action === 'trigger');
  const mails = (caseId: string, notice: string, to?: string) =>
    inbox
      .messages()
      .filter(
        (m) => m.headers['x-case-id'] === caseId && m.headers['x-notice'] === notice && (!to || m.to.includes(to)),
      );
  const waitMail = (caseId: string, notice: string, to: string) =>
    inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-notice'] === notice && m.to.includes(to),
      10_000,
    );
  const escalationPost = (caseId: string) =>
    slack.waitFor((m) => (m.text ?? '').startsWith('🚨 ESCALATION') && (m.text ?? '').includes(caseId));
  /** The view once `pred` holds (effects are recorded a moment after the peers see them). */
  const viewUntil = async (caseId: string, pred: (v: CaseView) => boolean): Promise<CaseView> => {
    let v = await view(caseId);
    for (let i = 0; i < 50 && !pred(v); i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await view(caseId);
    }
    assert.ok(pred(v), JSON.stringify(v.escalations));
    return v;
  };

  /** A click on a button of a Slack message, as Slack sends it: form-encoded, signed, timestamped now. */
  const click = (payload: unknown, opts: { secret?: string; ts?: number } = {}) =>
    slackClick(app, payload, opts.secret ?? SLACK_SECRET, opts);
  /** The Acknowledge button of the case's escalation post, clicked by `user`. */
  const ackClick = async (caseId: string, user = { id: 'U0ENGPAT', username: 'pat.ops', name: 'Pat Okafor' }) => {
    const post = await escalationPost(caseId);
    const buttons = (post.blocks as { type: string; elements?: { action_id: string; value: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    const ack = buttons.find((b) => b.action_id === 'escalation_ack');
    assert.ok(ack, 'the post has an Acknowledge button');
    return {
      type: 'block_actions',
      user,
      trigger_id: `trig-${caseId}`,
      actions: [{ action_id: ack.action_id, value: ack.value, action_ts: '1764650000.123456', type: 'button' }],
    };
  };

  it('P1: the Slack post waits 30 minutes, the On-call is paged through PagerDuty and waits 15, then the Engineering Lead', async () => {
    const c = await open();
    await escalate(c.caseId, { severity: 'P1', ...template });
    await escalationPost(c.caseId);
    await env.sleep(29 * MINUTE);
    assert.equal(pages(key(c.caseId, 2)).length, 0, 'no page before the 30 Slack minutes');
    await env.sleep(2 * MINUTE);
    const page = await pagerDuty.waitFor((e) => e.dedupKey === key(c.caseId, 2) && e.action === 'trigger');
    assert.equal(page.payload?.severity, 'error');
    assert.match(page.payload?.summary ?? '', /On-call\. Not acknowledged within 30 minutes by #support-escalations\./);
    const v = await viewUntil(c.caseId, (x) => x.escalations![0].rungs.length === 2);
    const [slackRung, pageRung] = v.escalations![0].rungs;
    assert.deepEqual([slackRung.via, pageRung.via, pageRung.contact], ['slack', 'pagerduty', 'PagerDuty']);
    assert.equal(Date.parse(pageRung.ackDueAt!) - Date.parse(pageRung.startedAt), 15 * MINUTE);
    assert.equal(
      v.escalations![0].followUp.promised.startsWith('1 hour, by '),
      true,
      "the customer's promise is P1's hour",
    );

    await env.sleep(14 * MINUTE);
    assert.equal(mails(c.caseId, 'escalation_rung').length, 0, 'the Lead waits the 15 PagerDuty minutes');
    await env.sleep(2 * MINUTE);
    const lead = await waitMail(c.caseId, 'escalation_rung', 'eng-lead@edustream.com');
    assert.match(lead.text, /Not acknowledged within 15 minutes by On-call\./);
    assert.equal(pages(key(c.caseId, 2)).length, 1, 'paged once');
  });

  it("P2: the Engineering Lead is e-mailed after 30 business minutes on Slack, engineering@ after the Lead's 4 business hours", async () => {
    let day = nyDate((await env.currentTimeMs()) + 24 * HOUR);
    while (!workday(day) || !workday(addDays(day, 1))) day = addDays(day, 1);
    await env.sleep(newYork(day, '10:00') - (await env.currentTimeMs()));
    const c = await open();
    await escalate(c.caseId, { severity: 'P2', ...template });
    await escalationPost(c.caseId);
    await env.sleep(29 * MINUTE);
    assert.equal(mails(c.caseId, 'escalation_rung').length, 0);
    await env.sleep(2 * MINUTE);
    const lead = await waitMail(c.caseId, 'escalation_rung', 'eng-lead@edustream.com');
    assert.match(lead.subject, /ESCALATION \[P2\]/);
    await env.sleep(4 * HOUR - 2 * MINUTE);
    assert.equal(mails(c.caseId, 'escalation_rung', 'engineering@edustream.com').length, 0);
    await env.sleep(2 * MINUTE);
    await waitMail(c.caseId, 'escalation_rung', 'engineering@edustream.com');
  });

  it('e-mails Legal for a suspected data breach and for the suspected-fraud trigger, once each', async () => {
    const breach = await open({ subject: 'My account shows strangers', description: 'I see other people’s bookings.' });
    const esc = await escalate(breach.caseId, {
      severity: 'P0',
      ...template,
      title: 'Data breach suspected: bookings of other users visible',
    });
    const legal = await waitMail(breach.caseId, 'escalation_contact', 'legal@edustream.com');
    assert.match(legal.subject, /^Legal\/compliance issues: \[P0\] Data breach suspected/);
    assert.match(legal.text, /Data breach suspected/);
    assert.equal(esc.escalations![0].notified?.[0]?.contactId, 'legal');
    assert.ok(esc.timeline.some((t) => t.action === 'contact_notified' && /Legal/.test(t.detail ?? '')));
    assert.equal(mails(breach.caseId, 'escalation_contact', 'ops@edustream.com').length, 0);

    const fraud = await open({
      category: 'account',
      subject: 'Charges I never made',
      description: 'Someone uses my card.',
    });
    await request(app)
      .post(`/cases/${fraud.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'suspected-fraud' })
      .expect(200);
    await waitMail(fraud.caseId, 'escalation_contact', 'legal@edustream.com');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mails(fraud.caseId, 'escalation_contact').length, 1, 'Legal only, once');

    const flagged = await open({
      category: 'booking',
      subject: 'Delete my data',
      description: 'GDPR erasure request.',
    });
    await request(app)
      .post(`/cases/${flagged.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'legal-compliance' })
      .expect(200);
    await waitMail(flagged.caseId, 'escalation_contact', 'legal@edustream.com');
  });

  it('e-mails Operations for a business escalation (a disputed transaction), not for a technical one', async () => {
    const c = await open({ category: 'payment', subject: 'Chargeback', description: 'My bank disputes a charge.' });
    await request(app)
      .post(`/cases/${c.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'disputed-transaction' })
      .expect(200);
    const ops = await waitMail(c.caseId, 'escalation_contact', 'ops@edustream.com');
    assert.match(ops.subject, /^Business escalations: \[P2\]/);
    const tech = await open({ category: 'account' });
    await request(app)
      .post(`/cases/${tech.caseId}/escalation-triggers`)
      .set(AGENT)
      .send({ trigger: 'oauth' })
      .expect(200);
    await escalationPost(tech.caseId);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mails(tech.caseId, 'escalation_contact').length, 0);
  });

  it('a signed Acknowledge click stops the ladder as the API does; a redelivery changes nothing; a bad signature is 401', async () => {
    const c = await open();
    await escalate(c.caseId, { severity: 'P1', ...template });
    const payload = await ackClick(c.caseId);

    const forged = await click(payload, { secret: 'not-the-slack-signing-secret-0000' });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'bad_signature');
    const stale = await click(payload, { ts: Math.floor(Date.now() / 1000) - 600 });
    assert.equal(stale.status, 401, 'a timestamp 10 minutes old is refused');
    assert.equal((await view(c.caseId)).escalations![0].state, 'open', 'nothing changed');

    const res = await click(payload);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.text, /You acknowledged esc-1 of case/);
    const v = await view(c.caseId);
    assert.equal(v.escalations![0].state, 'acknowledged');
    assert.deepEqual(
      { by: v.escalations![0].acknowledged?.by, role: v.escalations![0].acknowledged?.role },
      { by: 'Pat Okafor (Slack)', role: 'engineer' },
    );
    // Slack redelivers the same click (no 200 in time): the same Update, nothing twice.
    const again = await click(payload);
    assert.equal(again.status, 200);
    await slack.waitFor((m) => (m.text ?? '').includes(`(case ${c.caseId}, esc-1) acknowledged by Pat Okafor (Slack)`));
    const after = await view(c.caseId);
    assert.equal(after.timeline.filter((t) => t.action === 'escalation_acknowledged').length, 1);
    // Another click on the acknowledged escalation is answered, privately, and changes nothing.
    const late = await click({ ...payload, actions: [{ ...payload.actions[0], action_ts: '1764650999.000001' }] });
    assert.equal(late.status, 200);
    assert.equal(late.body.response_type, 'ephemeral');
    assert.match(late.body.text, /already acknowledged/);

    // The ladder stopped: past the 30 Slack minutes, nobody is paged.
    await env.sleep(45 * MINUTE);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pages(key(c.caseId, 2)).length, 0, 'no On-call page after the acknowledgement');
    assert.equal((await view(c.caseId)).escalations![0].rungs.length, 1);
    const acks = slack.messages.filter((m) => (m.text ?? '').includes(`(case ${c.caseId}, esc-1) acknowledged by`));
    assert.equal(acks.length, 1, 'one acknowledgement notice in Slack');
  });

  it('refuses a click on a button that is not an escalation of a case (400), or on an unknown escalation (answered, nothing changes)', async () => {
    const c = await open();
    await escalate(c.caseId, { severity: 'P1', ...template });
    const payload = await ackClick(c.caseId);
    const bad = await click({ ...payload, actions: [{ ...payload.actions[0], value: '{"caseId":"nope"}' }] });
    assert.equal(bad.status, 400);
    const other = await click({
      ...payload,
      actions: [{ ...payload.actions[0], value: JSON.stringify({ caseId: c.caseId, escalationId: 'esc-9' }) }],
    });
    assert.equal(other.status, 200);
    assert.match(other.body.text, /^Not acknowledged: /);
    assert.equal((await view(c.caseId)).escalations![0].state, 'open');
  });

  it('shows the deploys of the 6 hours before an escalation on the case, in its Slack post and its PagerDuty page', async () => {
    const now = await env.currentTimeMs();
    const deploy = async (service: string, version: string, at: number) =>
      request(app)
        .post('/deployments')
        .set(DEPLOYER)
        .set('Idempotency-Key', `${service}-${version}-${at}`)
        .send({
          service,
          version,
          at: new Date(at).toISOString(),
          link: `https://ci.example.com/${service}/${version}`,
        })
        .expect(201);
    await deploy('payments-api', 'v1.0.0', now - 7 * HOUR);
    await deploy('payments-api', 'v1.4.2', now - 2 * HOUR);
    await deploy('checkout-web', 'v88', now - 10 * MINUTE);
    const c = await open({
      category: 'payment',
      subject: 'Cannot pay',
      description: 'Payment system failure at checkout.',
    });
    await escalate(c.caseId, { severity: 'P0', ...template, title: 'Checkout fails for everyone' });

    const v = await view(c.caseId);
    const shown = (v.escalations![0] as { recentDeployments?: { service: string; version: string }[] })
      .recentDeployments;
    assert.deepEqual(
      shown?.map((d) => `${d.service} ${d.version}`),
      ['checkout-web v88', 'payments-api v1.4.2'],
      'newest first, none older than 6 hours before the escalation',
    );
    const post = await escalationPost(c.caseId);
    assert.match(
      post.text ?? '',
      /\*Deploys of the last 6 hours\*:\n• <https:\/\/ci\.example\.com\/checkout-web\/v88\|checkout-web v88> at /,
    );
    assert.ok(!(post.text ?? '').includes('v1.0.0'));
    const page = await pagerDuty.waitFor((e) => e.dedupKey === key(c.caseId, 1) && e.action === 'trigger');
    const details = page.payload?.custom_details as { recentDeployments?: string[] };
    assert.ok(
      details.recentDeployments?.some((d) => d.startsWith('checkout-web v88 at ')),
      JSON.stringify(details),
    );

    // A resolved escalation shows none.
    await request(app)
      .post(`/cases/${c.caseId}/escalations/esc-1/resolve`)
      .set(bearer('engineer'))
      .send({})
      .expect(200);
    assert.equal((await view(c.caseId)).escalations![0].recentDeployments, undefined);
  });
});
