import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { StripeStandin } from '../../dev/standins/stripe-standin';
import { signStripePayload } from '../../src/security/stripe-webhook-signature';
import { caseWorkflowId, type CaseView } from '../../workflows/contracts';
import { slackClick as signedSlackClick } from '../helpers/slack';
import { eventually } from '../helpers/wait';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';

const AGENT = bearer('agent');
const LEAD = bearer('lead');
const MANAGER = bearer('manager');
const WEBHOOK_SECRET = 'whsec_test_compensation_api_0123456789';
const SLACK_SECRET = 'test-slack-signing-secret-0123456789';

describe('compensation HTTP API (dev server, worker, Stripe, Slack and SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'comp-api', slack: true });
    ({ env, inbox, stripe } = rig);
    slack = rig.slack!;
    const taskQueue = rig.taskQueue;
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
    });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
  /** A payment case about a fresh $amount payment at the Stripe peer, after its lookup. */
  const openPaid = async (amount: number): Promise<{ caseId: string; paymentIntentId: string }> => {
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
        category: 'payment',
        paymentIntentId: paymentIntent.id,
        customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
        subject: 'Tutor did not show up',
        description: 'My tutor did not show up and I was charged.',
      })
      .expect(201);
    const caseId = (res.body as CaseView).caseId;
    await eventually(async () => ((await view(caseId)).payment ? true : undefined), 'the payment lookup');
    return { caseId, paymentIntentId: paymentIntent.id };
  };
  const slackClick = (payload: unknown, opts: { secret?: string; ts?: number } = {}) =>
    signedSlackClick(app, payload, opts.secret ?? SLACK_SECRET, opts);
  const button = (
    user: string,
    action: 'approval_approve' | 'approval_reject',
    approvalId: string,
    amountCents: number,
  ) => ({
    type: 'block_actions',
    user: { id: user, username: user },
    actions: [{ action_id: action, value: JSON.stringify({ approvalId, amountCents }) }],
  });
  const webhook = (event: unknown, opts: { secret?: string; t?: number } = {}) => {
    const body = JSON.stringify(event);
    const t = opts.t ?? Math.floor(Date.now() / 1000);
    return request(app)
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signStripePayload(opts.secret ?? WEBHOOK_SECRET, body, t))
      .send(body);
  };

  it('proposes $70 (tutor no-show), lists it for a manager but not a lead, refuses the lead with 403 and a stale amount with 409, approves once', async () => {
    const { caseId } = await openPaid(3500);
    const proposed = await request(app)
      .post(`/cases/${caseId}/compensation`)
      .set(AGENT)
      .send({ guideline: 'tutor_no_show' })
      .expect(200);
    const c = (proposed.body as CaseView).compensations![0];
    assert.deepEqual(
      [c.refundCents, c.freeSessionCreditCents, c.totalCents, c.approval?.tier],
      [3500, 3500, 7000, 'support_manager'],
    );
    const approvalId = c.approval!.approvalId;

    const listed = await eventually(async () => {
      const r = await request(app).get('/approvals?overCents=5000').set(MANAGER).expect(200);
      return (r.body.approvals as { approvalId: string }[]).find((a) => a.approvalId === approvalId);
    }, 'the approval in visibility');
    assert.deepEqual(listed, {
      approvalId,
      caseId,
      tier: 'support_manager',
      amountCents: 7000,
      proposedBy: 'Alex Agent',
      caseStatus: 'new',
    });
    const forLead = await request(app).get('/approvals').set(LEAD).expect(200);
    assert.ok(
      !(forLead.body.approvals as { approvalId: string }[]).some((a) => a.approvalId === approvalId),
      'a lead does not see a manager approval',
    );
    await request(app).get('/approvals').set(AGENT).expect(403);

    const byLead = await request(app)
      .post(`/approvals/${approvalId}/decision`)
      .set(LEAD)
      .send({ decision: 'approve', amountCents: 7000 })
      .expect(403);
    assert.equal(byLead.body.error.code, 'approval_not_permitted');
    const stale = await request(app)
      .post(`/approvals/${approvalId}/decision`)
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: 6000 })
      .expect(409);
    assert.equal(stale.body.error.code, 'stale_approval');
    await request(app)
      .post('/approvals/ES-NOPE-C1/decision')
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: 1 })
      .expect(404);
    // The API signs for its caller: a body that brings its own approver or signature is refused.
    for (const extra of [
      { actor: { id: 'ada-admin', name: 'Ada Admin', role: 'admin' } },
      { signature: 'f'.repeat(64), expiresAt: '2099-01-01T00:00:00Z' },
    ])
      await request(app)
        .post(`/approvals/${approvalId}/decision`)
        .set(LEAD)
        .send({ decision: 'approve', amountCents: 7000, ...extra })
        .expect(400);

    const ok = await request(app)
      .post(`/approvals/${approvalId}/decision`)
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: 7000, note: 'no-show confirmed' })
      .expect(200);
    assert.equal((ok.body as CaseView).compensations![0].approval?.status, 'approved');
    const again = await request(app)
      .post(`/approvals/${approvalId}/decision`)
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: 7000 })
      .expect(409);
    assert.equal(again.body.error.code, 'already_done');
    const applied = await eventually(async () => {
      const v = await view(caseId);
      return v.compensations![0].status === 'applied' ? v : undefined;
    }, 'applied');
    assert.match(applied.compensations![0].refund!.id, /^re_/);
    assert.match(applied.compensations![0].credit!.id, /^cbtxn_/);
    const mail = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'compensation_offered',
    );
    assert.match(mail.text, /- Refund of \$35\.00 to your card\n- Free session credit worth \$35\.00/);
  });

  it('amends a pending compensation by its number, keeps a second one pending beside it, and tiers by the 30-day total', async () => {
    const { caseId } = await openPaid(6000);
    const post = (body: object) => request(app).post(`/cases/${caseId}/compensation`).set(AGENT).send(body);
    const first = ((await post({ guideline: 'tutor_no_show' }).expect(200)).body as CaseView).compensations!;
    assert.deepEqual(
      first.map((c) => [c.n, c.totalCents, c.approval?.tier]),
      [[1, 12000, 'ops_director']],
    );
    const amended = (
      (
        await post({ guideline: 'custom', refundCents: 6000, creditCents: 1500, reason: 'no-show', amends: 1 }).expect(
          200,
        )
      ).body as CaseView
    ).compensations!;
    assert.deepEqual(
      amended.map((c) => [c.n, c.totalCents, c.approval?.tier]),
      [[1, 7500, 'support_manager']],
    );
    // $5 on its own is Tier 1, but with the $75 pending the case pays out $80: a Support Manager decides it too.
    const both = (
      (await post({ guideline: 'custom', creditCents: 500, reason: 'goodwill' }).expect(200)).body as CaseView
    ).compensations!;
    assert.deepEqual(
      both.map((c) => [c.n, c.totalCents, c.status, c.approval?.tier]),
      [
        [1, 7500, 'pending_approval', 'support_manager'],
        [2, 500, 'pending_approval', 'support_manager'],
      ],
    );
    const bad = await post({ guideline: 'custom', creditCents: 100, reason: 'x', amends: 7 }).expect(422);
    assert.equal(bad.body.error.code, 'invalid_action');
  });

  it('decides through a signed Slack button click, and rejects a bad signature or an old timestamp', async () => {
    const { caseId } = await openPaid(2000);
    const proposed = await request(app)
      .post(`/cases/${caseId}/compensation`)
      .set(AGENT)
      .send({ guideline: 'major_inconvenience', creditCents: 1500 })
      .expect(200);
    const approvalId = (proposed.body as CaseView).compensations![0].approval!.approvalId;
    const posted = await slack.waitFor((m) => (m.text ?? '').includes(approvalId));
    assert.ok(JSON.stringify(posted.blocks).includes('approval_approve'));

    const forged = await slackClick(button('U0DEMOLEAD', 'approval_approve', approvalId, 1500), {
      secret: 'not-the-secret-0123456789',
    }).expect(401);
    assert.equal(forged.body.error.code, 'bad_signature');
    const old = await slackClick(button('U0DEMOLEAD', 'approval_approve', approvalId, 1500), {
      ts: Math.floor(Date.now() / 1000) - 6 * 60,
    }).expect(401);
    assert.match(old.body.error.message, /stale timestamp/);
    assert.equal(
      (await view(caseId)).compensations![0].status,
      'pending_approval',
      'the refused clicks changed nothing',
    );

    const stranger = await slackClick(button('U0SOMEONE', 'approval_approve', approvalId, 1500)).expect(200);
    assert.match(stranger.body.text, /not set up as an approver/);
    const staleClick = await slackClick(button('U0DEMOLEAD', 'approval_approve', approvalId, 1400)).expect(200);
    assert.equal(staleClick.body.error.code, 'stale_approval');

    const click = await slackClick(button('U0DEMOLEAD', 'approval_approve', approvalId, 1500)).expect(200);
    assert.equal(click.body.text, `Lee Lead approved ${approvalId}.`);
    const decided = await view(caseId);
    assert.deepEqual(
      [decided.compensations![0].approval?.decidedVia, decided.compensations![0].approval?.decidedBy?.name],
      ['slack', 'Lee Lead'],
    );
    const twice = await slackClick(button('U0DEMOMANAGER', 'approval_reject', approvalId, 1500)).expect(200);
    assert.equal(twice.body.error.code, 'already_done');
  });

  it('rejects a webhook with a bad signature; a dispute opens a payment case flagged for escalation, and its replay has no second effect', async () => {
    const dispute = {
      id: `evt_dispute_${Date.now()}`,
      object: 'event',
      type: 'charge.dispute.created',
      data: {
        object: {
          id: `dp_${Date.now()}`,
          object: 'dispute',
          charge: 'ch_x1',
          payment_intent: 'pi_not_in_any_case',
          amount: 4500,
          currency: 'usd',
          reason: 'fraudulent',
          status: 'needs_response',
        },
      },
    };
    const bad = await webhook(dispute, { secret: 'whsec_wrong_secret_0000000000' }).expect(400);
    assert.equal(bad.body.error.code, 'bad_signature');
    await webhook(dispute, { t: Math.floor(Date.now() / 1000) - 3600 }).expect(400);

    const first = await webhook(dispute).expect(200);
    assert.equal(first.body.opened, true);
    const caseId = first.body.caseId as string;
    const opened = await eventually(async () => {
      const v = await view(caseId);
      return v.dispute ? v : undefined;
    }, 'the dispute on the case');
    assert.equal(opened.category, 'payment');
    assert.equal(opened.dispute?.reason, 'fraudulent');
    assert.deepEqual(
      opened.escalationTriggers?.map((t) => t.id),
      ['disputed-transaction'],
    );
    assert.ok(
      opened.timeline.some(
        (t) => t.action === 'escalated' && /P2 \(trigger: disputed-transaction\)/.test(t.detail ?? ''),
      ),
      JSON.stringify(opened.timeline),
    );

    const replay = await webhook(dispute).expect(200);
    assert.equal(replay.body.caseId, caseId);
    assert.notEqual(replay.body.opened, true, 'a replayed dispute never says it opened the case');
    await new Promise((r) => setTimeout(r, 500));
    const after = await view(caseId);
    assert.equal(
      after.timeline.filter((t) => t.action === 'dispute_opened').length,
      1,
      'the replayed event had no second effect',
    );
    assert.equal(after.timeline.filter((t) => t.action === 'escalated').length, 1, 'and escalated once');
    assert.equal(after.stripeEventIds?.filter((id) => id === dispute.id).length, 1);

    // A second dispute on the same payment goes to the same case; once the case has finished, a
    // dispute (replayed or new) opens no second case.
    const second = {
      ...dispute,
      id: `${dispute.id}_2`,
      data: { object: { ...dispute.data.object, id: `${dispute.data.object.id}_2` } },
    };
    const again = await webhook(second).expect(200);
    assert.equal(again.body.caseId, caseId);
    assert.notEqual(again.body.opened, true);
    await env.client.workflow.getHandle(caseWorkflowId(caseId)).terminate('test: the case has finished');
    const late = await webhook({ ...second, id: `${dispute.id}_3` }).expect(200);
    assert.deepEqual([late.body.handled, late.body.reason], [false, 'the case is archived']);
    const replayed = await webhook(dispute).expect(200);
    assert.deepEqual([replayed.body.handled, replayed.body.reason], [false, 'the case is archived']);
  });

  it('adds a decline reason to the open case of a payment and a failed refund to the case that made it', async () => {
    const { caseId, paymentIntentId } = await openPaid(1200);
    const proposed = await request(app)
      .post(`/cases/${caseId}/compensation`)
      .set(LEAD)
      .send({ guideline: 'payment_error' })
      .expect(200);
    // Nobody approves their own proposal: the Support Manager decides the Lead's.
    const c1 = (proposed.body as CaseView).compensations![0];
    await request(app)
      .post(`/approvals/${c1.approval!.approvalId}/decision`)
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: c1.totalCents })
      .expect(200);
    const applied = await eventually(async () => {
      const v = await view(caseId);
      return v.compensations?.[0]?.status === 'applied' ? v : undefined;
    }, 'applied');
    const refundId = applied.compensations![0].refund!.id;
    const failedRefund = {
      id: `evt_rf_${Date.now()}`,
      type: 'refund.failed',
      data: {
        object: {
          id: refundId,
          object: 'refund',
          status: 'failed',
          failure_reason: 'expired_or_canceled_card',
          metadata: { case_id: caseId },
        },
      },
    };
    await webhook(failedRefund).expect(200);
    await webhook(failedRefund).expect(200);
    const updated = await eventually(async () => {
      const v = await view(caseId);
      return v.compensations![0].refund?.status === 'failed' ? v : undefined;
    }, 'the failed refund');
    assert.equal(updated.compensations![0].refund?.failureReason, 'expired_or_canceled_card');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await view(caseId)).timeline.filter((t) => t.action === 'refund_failed').length, 1);
    await slack.waitFor((m) => (m.text ?? '').startsWith(`Lee Lead: Stripe reports refund ${refundId}`));

    // A later payment attempt for the same payment intent fails: the decline reason lands on the case.
    await eventually(async () => {
      const r = await webhook({
        id: `evt_pf_${Date.now()}`,
        type: 'payment_intent.payment_failed',
        data: {
          object: {
            id: paymentIntentId,
            object: 'payment_intent',
            status: 'requires_payment_method',
            last_payment_error: {
              code: 'card_declined',
              decline_code: 'expired_card',
              message: 'Your card has expired.',
            },
          },
        },
      }).expect(200);
      return r.body.handled ? true : undefined; // visibility may need a moment to know the case's payment
    }, 'the case found by its payment');
    const declined = await eventually(async () => {
      const v = await view(caseId);
      return v.payment?.declineCode === 'expired_card' ? v : undefined;
    }, 'the decline reason');
    assert.ok(declined.timeline.some((t) => t.action === 'payment_failed' && /expired_card/.test(t.detail ?? '')));
  });
});
