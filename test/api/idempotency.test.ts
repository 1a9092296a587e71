// Every mutating request is idempotent: the same request sent again with the same Idempotency-Key
// (an HTTP client's retry, a proxy, a double click) has no second effect, also after the case
// continued as new; the same key with another body is refused.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import type { StripeStandin } from '../../dev/standins/stripe-standin';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import {
  CASE_WORKFLOW_TYPE,
  caseViewQuery,
  caseWorkflowId,
  type CaseView,
  type SupportCaseWorkflow,
} from '../../workflows/contracts';
import { bearer, caseInput, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const INTAKE = bearer('intake');
const MANAGER = bearer('manager');

describe('idempotent actions (dev server, worker, Stripe and SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let stripe: StripeStandin;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'idem', slack: true });
    ({ env, stripe } = rig);
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  const view = async (caseId: string): Promise<CaseView> =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
  const refundsOf = (caseId: string) => stripe.refunds().filter((r) => r.metadata.case_id === caseId);
  const creditsOf = (caseId: string) =>
    stripe.balanceTransactions('cus_demo_grace').filter((t) => t.metadata.case_id === caseId);

  /** A payment case on a fresh $20 payment, started directly so its history continues as new early. */
  async function openPaid(): Promise<string> {
    const { paymentIntent } = stripe.createPaymentIntent({
      amount: 2000,
      currency: 'usd',
      customer: 'cus_demo_grace',
      paymentMethod: 'pm_card_visa',
    });
    const input = caseInput({
      category: 'payment',
      paymentIntentId: paymentIntent.id,
      customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
      settings: { ...caseInput().settings, continueAsNewAfterEvents: 60 },
    });
    await env.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue: rig.taskQueue,
      args: [input],
    });
    await eventually(async () => ((await view(input.caseId)).payment ? true : undefined), 'the payment lookup');
    return input.caseId;
  }
  /** Waits until the compensation is paid and its e-mail delivered: the case is idle, nothing more will happen. */
  const settled = (caseId: string) =>
    eventually(async () => {
      const v = await view(caseId);
      const done = v.compensations?.every((c) => c.status === 'applied') && v.emails.every((e) => e.status === 'sent');
      return done ? v : undefined;
    }, 'the compensation applied and its e-mail sent');

  it('pays one refund and one credit for the same compensation request sent 3 times with one key, also after continue-as-new', async () => {
    const caseId = await openPaid();
    // $3 refund + $5 credit = $8: within the first tier, so it is paid without an approver.
    const body = { guideline: 'custom', refundCents: 300, creditCents: 500, reason: 'late tutor' };
    const send = (b: object = body) =>
      request(app).post(`/cases/${caseId}/compensation`).set(AGENT).set('Idempotency-Key', 'comp-once-1').send(b);

    const first = await send().expect(200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const second = await send().expect(200);
    const third = await send().expect(200);
    assert.deepEqual([second.headers['idempotent-replayed'], third.headers['idempotent-replayed']], ['true', 'true']);
    const reused = await send({ ...body, creditCents: 400 }).expect(422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');

    let v = await settled(caseId);
    assert.equal(v.compensations?.length, 1);
    assert.deepEqual([refundsOf(caseId).length, creditsOf(caseId).length], [1, 1]);

    // Enough notes to continue as new: Temporal forgets the Update id, the case does not.
    const runBefore = (await env.client.workflow.getHandle(caseWorkflowId(caseId)).describe()).runId;
    for (let i = 0; i < 25; i++)
      await request(app)
        .post(`/cases/${caseId}/notes`)
        .set(AGENT)
        .send({ text: `note ${i}` })
        .expect(200);
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(caseWorkflowId(caseId)).describe();
      return d.runId !== runBefore ? true : undefined;
    }, 'continue-as-new');
    const afterCan = await send().expect(200);
    assert.equal(afterCan.headers['idempotent-replayed'], 'true');
    await send({ ...body, refundCents: 200 }).expect(422);

    v = await settled(caseId);
    assert.equal(v.compensations?.length, 1, 'one compensation on the case');
    assert.deepEqual(
      [refundsOf(caseId).length, creditsOf(caseId).length],
      [1, 1],
      'one refund and one credit at Stripe',
    );
    assert.equal(v.emails.filter((e) => e.templateId === 'compensation_offered').length, 1, 'one e-mail');
  });

  it('decides an approval once for a decision sent 3 times with one key, each signed afresh, also after continue-as-new', async () => {
    const caseId = await openPaid();
    // A $55 credit needs a Support Manager.
    const proposed = await request(app)
      .post(`/cases/${caseId}/compensation`)
      .set(AGENT)
      .send({ guideline: 'custom', creditCents: 5500, reason: 'a month of trouble' })
      .expect(200);
    const approvalId = (proposed.body as CaseView).compensations![0].approval!.approvalId;
    const body = { decision: 'approve', amountCents: 5500 };
    const decide = (b: object = body) =>
      request(app).post(`/approvals/${approvalId}/decision`).set(MANAGER).set('Idempotency-Key', 'decide-1').send(b);

    const first = await decide().expect(200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    await new Promise((r) => setTimeout(r, 5)); // another expiry, so another signature
    const second = await decide().expect(200);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal((await decide({ ...body, decision: 'reject' }).expect(422)).body.error.code, 'idempotency_key_reused');

    await settled(caseId);
    const runBefore = (await env.client.workflow.getHandle(caseWorkflowId(caseId)).describe()).runId;
    for (let i = 0; i < 25; i++)
      await request(app)
        .post(`/cases/${caseId}/notes`)
        .set(AGENT)
        .send({ text: `note ${i}` })
        .expect(200);
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(caseWorkflowId(caseId)).describe();
      return d.runId !== runBefore ? true : undefined;
    }, 'continue-as-new');
    const afterCan = await decide().expect(200);
    assert.equal(afterCan.headers['idempotent-replayed'], 'true');

    const v = await settled(caseId);
    assert.equal(v.compensations?.[0].approval?.decidedBy?.name, 'Morgan Manager');
    assert.equal(v.timeline.filter((t) => t.action === 'compensation_approved').length, 1, 'decided once');
    assert.equal(v.timeline.filter((t) => t.action === 'approval_decision_refused').length, 0, 'nothing refused');
    assert.equal(creditsOf(caseId).length, 1, 'one credit at Stripe');
  });

  it('relays a customer message once for one key, and refuses the key with another message', async () => {
    const caseId = await openPaid();
    const send = (message: string) =>
      request(app)
        .post(`/cases/${caseId}/customer-replies`)
        .set(INTAKE)
        .set('Idempotency-Key', 'mail-1')
        .send({ message });
    await send('It still does not work').expect(202);
    await eventually(async () => {
      const v = await env.client.workflow.getHandle(caseWorkflowId(caseId)).query(caseViewQuery);
      return v.timeline.some((t) => t.action === 'customer_replied') ? true : undefined;
    }, 'the reply on the case');
    const again = await send('It still does not work').expect(202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const reused = await send('Another message').expect(422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    const v = await view(caseId);
    assert.equal(v.timeline.filter((t) => t.action === 'customer_replied').length, 1);
  });
});
