import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MoneyGateway } from '../../activities/compensation';
import { createStripeClient } from '../../src/integrations/stripe-gateway';
import { createStripeMoneyGateway } from '../../src/integrations/stripe-money';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import { supportCaseWorkflow } from '../../workflows';
import {
  caseViewQuery,
  caseWorkflowId,
  decideApprovalUpdate,
  proposeCompensationUpdate,
  type Actor,
  type CaseView,
} from '../../workflows/contracts';
import { act, caseInput, caseWorker, signed } from '../helpers/cases';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';

const lead: Actor = { id: 'lee-lead', name: 'Lee Lead', role: 'support_lead' };
const manager: Actor = { id: 'morgan-manager', name: 'Morgan Manager', role: 'support_manager' };

// On the dev server, because a stopped worker must hand its cases over the way a real cluster does
// (sticky queues reset, polls cut short), which the time-skipping test server does not do.
describe('supportCaseWorkflow compensation across a worker restart (dev server, Stripe peer)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;

  before(async () => {
    [env, inbox, stripe] = await Promise.all([
      createDevServerEnv(),
      startSmtpInbox(),
      startStripeStandin({ seedDemoData: true }),
    ]);
  });
  after(async () => {
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close()]);
  });

  const waitForView = async (
    handle: WorkflowHandle,
    pred: (v: CaseView) => boolean,
    what: string,
  ): Promise<CaseView> => {
    for (let i = 0; i < 300; i++) {
      const v = await handle.query(caseViewQuery);
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`case view never reached ${what}`);
  };

  it('leaves exactly one refund and one credit when a worker dies mid-refund and another takes over', async () => {
    const queue = uniqueTaskQueue('comp-kill');
    const real = createStripeMoneyGateway(createStripeClient({ secretKey: 'sk_test_standin', apiBase: stripe.url }));
    let refundAtPeer!: () => void;
    const refunded = new Promise<void>((r) => {
      refundAtPeer = r;
    });
    let kill!: (e: Error) => void;
    const killed = new Promise<never>((_r, reject) => {
      kill = reject;
    });
    // Worker 1's refund reaches the Stripe peer, but the worker dies before the answer gets back to Temporal.
    const dying: MoneyGateway = {
      ...real,
      async createRefund(r) {
        await real.createRefund(r);
        refundAtPeer();
        return killed;
      },
    };
    const { paymentIntent } = stripe.createPaymentIntent({
      amount: 800,
      currency: 'usd',
      customer: 'cus_demo_grace',
      paymentMethod: 'pm_card_visa',
    });
    const input = caseInput({
      category: 'payment',
      subject: 'Charged twice',
      description: 'My card was charged twice for one session.',
      paymentIntentId: paymentIntent.id,
      customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
    });
    const refunds = () => stripe.refunds().filter((r) => r.metadata.case_id === input.caseId);
    const credits = () =>
      stripe.balanceTransactions('cus_demo_grace').filter((t) => t.metadata.case_id === input.caseId);

    const first = await caseWorker(env, queue, { inbox, stripe, money: dying });
    const firstRun = first.run();
    const handle = await env.client.workflow.start(supportCaseWorkflow, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue: queue,
      args: [input],
    });
    await waitForView(handle, (v) => v.payment !== undefined, 'the payment lookup');
    // $13.00 (refund $8 + $5 credit) needs a Support Lead; the proposing Lead may not decide it, the Manager does.
    const proposed = await act(handle, proposeCompensationUpdate, { actor: lead, guideline: 'payment_error' });
    const c1 = proposed.compensations![0];
    await handle.executeUpdate(decideApprovalUpdate, {
      args: [
        signed({
          actor: manager,
          approvalId: c1.approval!.approvalId,
          decision: 'approve',
          amountCents: c1.totalCents,
        }),
      ],
    });
    await refunded;
    assert.equal(refunds().length, 1);
    first.shutdown();
    kill(new Error('worker 1 was killed'));
    await firstRun;

    // Stripe has forgotten the idempotency key (as after 24 hours), and the first credit attempt fails.
    stripe.forgetIdempotencyKeys();
    stripe.failNext('POST', '/v1/customers/cus_demo_grace/balance_transactions', { status: 500 });
    const second = await caseWorker(env, queue, { inbox, stripe });
    const secondRun = second.run();
    try {
      const applied = await waitForView(
        handle,
        (v) => v.compensations?.[0]?.status === 'applied',
        'applied by the second worker',
      );
      assert.equal(refunds().length, 1, 'one refund at the Stripe peer');
      assert.equal(credits().length, 1, 'one credit at the Stripe peer');
      assert.equal(stripe.count('POST', '/v1/refunds'), 1, 'the refund was created once');
      assert.equal(applied.compensations![0].refund?.id, refunds()[0].id);
      assert.equal(applied.compensations![0].credit?.id, credits()[0].id);
      assert.match(
        applied.timeline.find((t) => t.action === 'refund_created')!.detail!,
        /found by its key: not repeated/,
      );
      const creditPosts = stripe.calls.filter(
        (c) => c.method === 'POST' && c.path === '/v1/customers/cus_demo_grace/balance_transactions',
      );
      assert.equal(creditPosts.length, 2, 'the credit was retried after the injected failure, the refund was not');
    } finally {
      second.shutdown();
      await secondRun;
    }
  });
});
