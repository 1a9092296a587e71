// An outage end to end on the dev server with real peers: a burst of similar cases opens one
// suspected incident, confirmed at P0 it pages PagerDuty once and keeps one Slack thread, a case
// opened during it is linked at intake and its escalation joins the incident's ladder, PagerDuty's
// acknowledgement stops it, and resolving with outage compensation pays every case once after one
// batch decision.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import type { PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { StripeStandin } from '../../dev/standins/stripe-standin';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { signPagerDutyPayload } from '../../src/security/pagerduty-signature';
import type { CaseView, IncidentView } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { slackClick } from '../helpers/slack';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const LEAD = bearer('lead');
const ENGINEER = bearer('engineer');
const DIRECTOR = bearer('director');
const PD_SECRET = 'test-pagerduty-webhook-secret-outage';
const SLACK_SECRET = 'test-slack-signing-secret-outage-0123';

describe('an outage: one incident, one page, one thread, one batch (dev server, Slack, PagerDuty, Stripe, SMTP)', function () {
  this.timeout(240_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'outage', slack: true, pagerDuty: true });
    ({ env, inbox, stripe } = rig);
    [slack, pagerDuty] = [rig.slack!, rig.pagerDuty!];
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
      PAGERDUTY_WEBHOOK_SECRET: PD_SECRET,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      INCIDENT_BURST_DETECTION: 'on',
    });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
  const incidentOf = async (incidentId: string): Promise<IncidentView> =>
    (await request(app).get(`/incidents/${incidentId}`).set(AGENT).expect(200)).body as IncidentView;
  /** A payment case about a fresh $amount payment at the Stripe peer. */
  const openPaid = async (i: number, amount: number): Promise<string> => {
    const { paymentIntent } = stripe.createPaymentIntent({
      amount,
      currency: 'usd',
      customer: 'cus_demo_grace',
      paymentMethod: 'pm_card_visa',
    });
    const res = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({
        channel: 'email',
        paymentIntentId: paymentIntent.id,
        customer: { name: `Customer ${i}`, email: `outage${i}@example.com`, stripeCustomerId: 'cus_demo_grace' },
        subject: 'Payment failed',
        description: `My payment failed at checkout (attempt ${i}), and now my lesson is not booked.`,
      })
      .expect(201);
    return (res.body as CaseView).caseId;
  };
  const threadOf = (incidentId: string) => {
    const parents = slack.messages.filter((m) => !m.threadTs && m.text?.includes(incidentId));
    return { parents, replies: slack.messages.filter((m) => parents.some((p) => p.ts === m.threadTs)) };
  };

  it('20 payment cases within minutes: one suspected incident; confirmed at P0, one PagerDuty incident and one Slack thread', async () => {
    const caseIds: string[] = [];
    for (let i = 0; i < 20; i += 5)
      caseIds.push(...(await Promise.all(Array.from({ length: 5 }, (_, k) => openPaid(i + k, 8000)))));

    // The desk opens one suspected incident for the burst and links the cases to it.
    const suspected = await eventually(async () => {
      const res = await request(app).get('/incidents?status=open').set(AGENT).expect(200);
      const list = res.body.incidents as { incidentId: string; status: string }[];
      return list.length > 0 ? list : undefined;
    }, 'a suspected incident');
    assert.equal(suspected.length, 1, 'one incident for the whole burst');
    assert.equal(suspected[0].status, 'suspected');
    const incidentId = suspected[0].incidentId;
    const linked = await eventually(
      async () => {
        const v = await incidentOf(incidentId);
        return v.linkedCases.length === 20 ? v : undefined;
      },
      'all 20 cases linked',
      60_000,
    );
    assert.deepEqual([...linked.linkedCases].sort(), [...caseIds].sort());
    assert.deepEqual(linked.detection, { ruleId: 'payments-failing', cases: 5, windowMinutes: 15 });
    // #support-escalations hears of it once; a support lead confirms or dismisses it.
    const heardOf = await eventually(async () => {
      const t = threadOf(incidentId);
      return t.parents.length ? t : undefined;
    }, 'the Slack post of the suspected incident');
    assert.match(heardOf.parents[0].text ?? '', /Suspected incident/);
    assert.equal(pagerDuty.events.length, 0, 'a suspected incident pages nobody');
    const c0 = await eventually(async () => {
      const v = await view(caseIds[0]);
      return v.incidents?.length ? v : undefined;
    }, 'the first case shows its incident');
    assert.equal(c0.incidents![0].incidentId, incidentId);

    // Confirmed at P0 by the support lead: the incident's ladder starts, once for all 20 cases.
    const key = `confirm-${incidentId}`;
    await request(app)
      .post(`/incidents/${incidentId}/status`)
      .set(AGENT)
      .send({ status: 'investigating', severity: 'P0' })
      .expect(403);
    const confirmed = await request(app)
      .post(`/incidents/${incidentId}/status`)
      .set(LEAD)
      .set('Idempotency-Key', key)
      .send({ status: 'investigating', severity: 'P0' })
      .expect(200);
    assert.equal((confirmed.body as IncidentView).severity, 'P0');
    await request(app)
      .post(`/incidents/${incidentId}/status`)
      .set(LEAD)
      .set('Idempotency-Key', key)
      .send({ status: 'investigating', severity: 'P0' })
      .expect(200);
    const page = await pagerDuty.waitFor(
      (e) => e.action === 'trigger' && e.dedupKey === `incident-${incidentId}:rung-1`,
    );
    assert.equal(page.payload?.severity, 'critical');

    // A technical case opened now is linked at intake, and its escalation rides on the incident's ladder.
    const tech = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({
        channel: 'email',
        category: 'technical',
        customer: { name: 'Late Comer', email: 'late@example.com' },
        subject: 'Checkout error',
        description: 'The payment failed with an error page at checkout.',
      })
      .expect(201);
    const techView = tech.body as CaseView;
    assert.deepEqual(
      techView.incidents?.map((i) => i.incidentId),
      [incidentId],
      'POST /cases answers linked to the known issue',
    );
    assert.equal(techView.checklist.find((s) => s.id === 'check-known-issues')?.state, 'completed');
    const joined = await eventually(async () => {
      const v = await view(techView.caseId);
      return v.escalations?.[0]?.joined ? v : undefined;
    }, 'the technical escalation joins the incident');
    assert.equal(joined.escalations![0].joined, incidentId);
    assert.equal(joined.escalations![0].rungs.length, 0, 'the joined escalation notifies nobody itself');

    // PagerDuty's acknowledgement (signed) stops the incident's ladder and the joined engineering clock.
    const webhook = (id: string) =>
      JSON.stringify({
        event: {
          id,
          event_type: 'incident.acknowledged',
          resource_type: 'incident',
          agent: { id: 'PUSER7', summary: 'Olive Oncall', type: 'user_reference' },
          data: { id: 'Q7INC', type: 'incident', incident_key: `incident-${incidentId}:rung-1` },
        },
      });
    const send = (raw: string, signature: string) =>
      request(app)
        .post('/webhooks/pagerduty')
        .set('Content-Type', 'application/json')
        .set('X-PagerDuty-Signature', signature)
        .send(raw);
    const raw = webhook(`01OUTAGE${Date.now()}`);
    await send(raw, signPagerDutyPayload('not-the-secret-0123456789', raw)).expect(401);
    assert.equal((await incidentOf(incidentId)).ladder?.acknowledged, undefined, 'a forged ack changes nothing');
    const ack = await send(raw, signPagerDutyPayload(PD_SECRET, raw)).expect(200);
    assert.deepEqual(ack.body, { received: true, handled: true, incidentId });
    await send(raw, signPagerDutyPayload(PD_SECRET, raw)).expect(200); // a redelivery
    const acked = await eventually(async () => {
      const v = await view(techView.caseId);
      return v.escalations?.[0]?.state === 'acknowledged' ? v : undefined;
    }, 'the joined escalation acknowledged with the incident');
    assert.match(acked.escalations![0].acknowledged!.by, /Olive Oncall \(PagerDuty\)/);
    assert.equal(
      acked.clocks?.find((c) => c.id.startsWith('engineering_response'))?.state,
      'met',
      "the linked case's engineering clock stopped",
    );
    await pagerDuty.waitFor((e) => e.action === 'acknowledge' && e.dedupKey === `incident-${incidentId}:rung-1`);

    // One PagerDuty incident, one Slack thread, for 21 cases.
    const incidents = pagerDuty.incidents();
    assert.deepEqual(
      incidents.map((i) => i.dedupKey),
      [`incident-${incidentId}:rung-1`],
      'one PagerDuty incident',
    );
    const thread = await eventually(async () => {
      const t = threadOf(incidentId);
      return t.replies.some((m) => m.text?.includes(techView.caseId)) ? t : undefined;
    }, 'the late case as a reply in the thread');
    assert.equal(thread.parents.length, 1, 'one Slack thread');
    for (const id of [...caseIds, techView.caseId])
      assert.ok(
        thread.replies.some((m) => m.text?.includes(id)),
        `case ${id} is a reply in the incident's thread`,
      );
    const posts = slack.messages.filter((m) => !m.threadTs);
    assert.equal(posts.length, 1, `nothing else was posted at the top level: ${posts.map((p) => p.text).join(' | ')}`);

    // Resolving with outage compensation proposes "Full refund + 10% credit" on every case with a
    // payment; the Operations Director approves the batch in one decision.
    await request(app)
      .post(`/incidents/${incidentId}/resolve`)
      .set(LEAD)
      .send({ fix: 'The card processor is back; payments go through again.', compensate: 'service_outage' })
      .expect(200);
    const batch = await eventually(
      async () => {
        const res = await request(app).get(`/approvals?incident=${incidentId}`).set(DIRECTOR).expect(200);
        const list = res.body.approvals as { approvalId: string; amountCents: number; caseId: string }[];
        return list.length >= 20 ? list : undefined;
      },
      'the batch of 20 approvals',
      90_000,
    );
    assert.ok(
      batch.every((a) => a.amountCents === 8800),
      'each is a full refund of $80 plus a $8 credit',
    );
    assert.deepEqual(batch.map((a) => a.caseId).sort(), [...caseIds].sort(), 'the cases with a payment, once each');
    const none = await request(app).get(`/approvals?incident=${incidentId}`).set(LEAD).expect(200);
    assert.equal(none.body.approvals.length, 0, 'a lead who proposed them sees none to decide');
    const decide = () =>
      request(app)
        .post(`/incidents/${incidentId}/approvals/decision`)
        .set(DIRECTOR)
        .set('Idempotency-Key', `batch-${incidentId}`)
        .send({ decision: 'approve', note: 'Outage of 2 Dec' });
    await request(app)
      .post(`/incidents/${incidentId}/approvals/decision`)
      .set(DIRECTOR)
      .send({ decision: 'approve' })
      .expect(400);
    const decided = await decide().expect(200);
    assert.equal(decided.body.decided.length, 20);
    assert.deepEqual(decided.body.refused, []);
    await decide().expect(200); // a retry decides nothing twice

    const paid = await eventually(
      async () => {
        const views = await Promise.all(caseIds.map(view));
        return views.every((v) => v.compensations?.[0]?.status === 'applied') ? views : undefined;
      },
      'every compensation applied',
      120_000,
    );
    const pis = paid.map((v) => v.payment!.paymentIntentId);
    const refunds = stripe.refunds().filter((r) => pis.includes(String(r.payment_intent)));
    assert.equal(refunds.length, 20, 'one refund per case');
    assert.equal(new Set(refunds.map((r) => r.payment_intent)).size, 20);
    const credits = stripe.balanceTransactions('cus_demo_grace').filter((t) => t.amount === -800);
    assert.equal(credits.length, 20, 'one $8 credit per case');
    for (const v of paid) {
      const a = v.compensations![0].approval!;
      assert.equal(a.status, 'approved');
      assert.equal(a.decidedBy?.role, 'ops_director', 'each case records its own approval by the director');
      assert.equal(a.note, 'Outage of 2 Dec');
      assert.equal(v.status, 'resolved', 'the fix resolved the case');
    }
    for (const id of caseIds) {
      const mails = inbox.messages().filter((m) => m.headers['x-case-id'] === id);
      assert.equal(
        mails.filter((m) => m.headers['x-template-id'] === 'issue_resolved').length,
        1,
        `${id}: resolved once`,
      );
    }
  });

  it("a click on the incident thread's Acknowledge button stops its ladder, once; a forged click is 401", async () => {
    // A case about frozen video, opened before anyone knew: the incident is proposed to it.
    const before = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({
        channel: 'chat',
        category: 'technical',
        customer: { name: 'Early Bird', email: 'early@example.com' },
        subject: 'Lesson problem',
        description: 'The video is frozen in my lesson.',
      })
      .expect(201);
    const earlyId = (before.body as CaseView).caseId;
    assert.equal((before.body as CaseView).incidents, undefined, 'no known issue yet');
    const opened = await request(app)
      .post('/incidents')
      .set(ENGINEER)
      .send({ title: 'Video sessions drop', severity: 'P1', area: { component: 'video' } })
      .expect(201);
    const incidentId = (opened.body as IncidentView).incidentId;
    const post = await slack.waitFor((m) => !m.threadTs && (m.text ?? '').includes(incidentId));
    const actions = (post.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find(
      (b) => b.type === 'actions',
    );
    const ack = actions?.elements?.find((e) => e.action_id === 'incident_ack');
    assert.ok(ack, 'the thread post has an Acknowledge button');
    const click = (secret: string) => {
      const payload = {
        type: 'block_actions',
        user: { id: 'U0ONCALL', username: 'olive' },
        trigger_id: 'T1',
        actions: [{ action_id: ack.action_id, value: ack.value, action_ts: '1733130000.000100' }],
      };
      return slackClick(app, payload, secret);
    };
    await click('not-the-slack-secret-0123456789').expect(401);
    assert.equal((await incidentOf(incidentId)).ladder?.acknowledged, undefined, 'a forged click changes nothing');
    const first = await click(SLACK_SECRET).expect(200);
    assert.match(first.body.text, /You acknowledged incident/);
    await click(SLACK_SECRET).expect(200); // Slack redelivers the same click
    const v = await incidentOf(incidentId);
    assert.equal(v.ladder?.acknowledged?.by, 'olive (Slack)');
    assert.equal(v.ladder?.acknowledged?.via, 'slack');
    assert.equal(v.timeline.filter((t) => t.action === 'acknowledged').length, 1, 'acknowledged once');

    // "Check for known issues" completed itself on the earlier case, proposing the link; the agent links.
    const proposed = await eventually(async () => {
      const c = await view(earlyId);
      return c.incidentProposals?.length ? c : undefined;
    }, 'the incident proposed to the earlier case');
    assert.equal(proposed.incidentProposals![0].incidentId, incidentId);
    const step = proposed.checklist.find((s) => s.id === 'check-known-issues');
    assert.equal(step?.state, 'completed');
    assert.match(step?.note ?? '', new RegExp(`Open incident ${incidentId}.*matches`));
    await request(app)
      .post(`/incidents/${incidentId}/cases`)
      .set(AGENT)
      .send({ link: [earlyId] })
      .expect(200);
    const linked = await eventually(async () => {
      const c = await view(earlyId);
      return c.incidents?.length ? c : undefined;
    }, 'the earlier case linked');
    assert.equal(linked.incidents![0].incidentId, incidentId);
    assert.deepEqual(linked.incidentProposals, [], 'the proposal is taken');
  });

  it('a support lead dismisses a suspected incident: its cases are unlinked, and it leaves the known issues', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(app)
        .post('/cases')
        .set(AGENT)
        .send({
          channel: 'email',
          customer: { name: `Login ${i}`, email: `login${i}@example.com` },
          subject: 'Login broken',
          description: `Login error on the app (try ${i}).`,
        })
        .expect(201);
      ids.push((res.body as CaseView).caseId);
    }
    const suspected = await eventually(async () => {
      const res = await request(app).get('/incidents?status=open').set(AGENT).expect(200);
      return (res.body.incidents as { incidentId: string; status: string; component?: string }[]).find(
        (i) => i.component === 'login',
      );
    }, 'a suspected login incident');
    assert.equal(suspected.status, 'suspected');
    await eventually(async () => ((await view(ids[0])).incidents?.length ? true : undefined), 'the cases linked');
    await request(app)
      .post(`/incidents/${suspected.incidentId}/status`)
      .set(LEAD)
      .send({ status: 'dismissed', note: 'a browser extension, not an outage' })
      .expect(200);
    await eventually(
      async () => ((await Promise.all(ids.map(view))).every((c) => !c.incidents?.length) ? true : undefined),
      'every case unlinked',
    );
    const open = await request(app).get('/incidents?status=open').set(AGENT).expect(200);
    assert.ok(!(open.body.incidents as { incidentId: string }[]).some((i) => i.incidentId === suspected.incidentId));
    assert.equal(
      pagerDuty.events.filter((e) => e.dedupKey.includes(suspected.incidentId)).length,
      0,
      'a dismissed suspicion paged nobody',
    );
  });
});
