import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { compensationActivities } from '../../activities/compensation';
import { createStripeClient } from '../../src/integrations/stripe-gateway';
import { createStripeMoneyGateway } from '../../src/integrations/stripe-money';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected the activity to fail');
}

// Asserts the shape Temporal sees: a non-retryable ApplicationFailure of the given type.
async function permanentFailure(p: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await rejection(p);
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  assert.equal(err.type, type);
  assert.equal(err.nonRetryable, true);
  return err;
}

describe('compensation activities against the Stripe stand-in', function () {
  let standin: StripeStandin;
  let acts: ReturnType<typeof compensationActivities>;
  const refundsMade = () => standin.count('POST', '/v1/refunds');
  const creditsMade = (customerId: string) => standin.count('POST', `/v1/customers/${customerId}/balance_transactions`);

  beforeEach(async function () {
    standin = await startStripeStandin({ seedDemoData: true });
    // The production client, with its own network retries, so the tests see what the worker sees.
    acts = compensationActivities(
      createStripeMoneyGateway(createStripeClient({ secretKey: 'sk_test_compensation', apiBase: standin.url })),
    );
  });

  afterEach(async function () {
    await standin.close();
  });

  const refund = (idempotencyKey: string, amountCents: number, paymentIntentId = 'pi_demo_paid') =>
    acts.createRefund({ idempotencyKey, paymentIntentId, amountCents, caseId: 'ES-1' });

  describe('createRefund', function () {
    it('refunds once when called twice with the same key', async function () {
      const first = await refund('case-ES-1:comp-1:refund', 2000);
      const second = await refund('case-ES-1:comp-1:refund', 2000);
      assert.deepEqual(first, { refundId: first.refundId, amountCents: 2000, status: 'succeeded', existing: false });
      assert.deepEqual(second, { ...first, existing: true });
      assert.equal(refundsMade(), 1);
      const atPeer = standin.refunds();
      assert.equal(atPeer.length, 1);
      assert.deepEqual(atPeer[0]?.metadata, { idempotency_key: 'case-ES-1:comp-1:refund', case_id: 'ES-1' });
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 2000);
      const post = standin.calls.find((c) => c.method === 'POST' && c.path === '/v1/refunds');
      assert.equal(post?.idempotencyKey, 'case-ES-1:comp-1:refund', 'the business key is the Idempotency-Key header');
    });

    it('after Stripe forgot the idempotency key, a retry finds the refund by its metadata and creates none', async function () {
      const first = await refund('case-ES-1:comp-1:refund', 2000);
      standin.forgetIdempotencyKeys();
      const retry = await refund('case-ES-1:comp-1:refund', 2000);
      assert.equal(retry.refundId, first.refundId);
      assert.equal(retry.existing, true);
      assert.equal(refundsMade(), 1);
      assert.equal(standin.refunds().length, 1);
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 2000);
    });

    it('two attempts racing with the same key leave one refund (the Idempotency-Key covers what the look-up cannot)', async function () {
      const [a, b] = await Promise.all([
        refund('case-ES-1:comp-1:refund', 1500),
        refund('case-ES-1:comp-1:refund', 1500),
      ]);
      assert.equal(a.refundId, b.refundId);
      assert.equal(standin.refunds().length, 1);
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 1500);
    });

    it('a different key is a different refund', async function () {
      await refund('case-ES-1:comp-1:refund', 1000);
      await refund('case-ES-1:comp-2:refund', 1000);
      assert.equal(refundsMade(), 2);
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 2000);
    });

    it('fails permanently with StripeChargeAlreadyRefunded on a fully refunded charge', async function () {
      await refund('case-ES-1:comp-1:refund', 4500);
      const err = await permanentFailure(refund('case-ES-1:comp-2:refund', 100), 'StripeChargeAlreadyRefunded');
      assert.match(err.message, /already been refunded/);
      assert.equal(standin.refunds().length, 1);
    });

    it('never refunds more than is refundable: the peer refuses and the failure is a permanent StripeInvalidRequest', async function () {
      await permanentFailure(refund('case-ES-1:comp-1:refund', 4501), 'StripeInvalidRequest');
      await refund('case-ES-1:comp-2:refund', 2000);
      const err = await permanentFailure(refund('case-ES-1:comp-3:refund', 2501), 'StripeInvalidRequest');
      assert.match(err.message, /greater than unrefunded amount/);
      assert.equal(standin.refunds().length, 1);
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 2000);
    });

    it('fails permanently with StripeCardDeclined on a card error', async function () {
      standin.failNext('POST', '/v1/refunds', {
        status: 402,
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
      });
      await permanentFailure(refund('case-ES-1:comp-1:refund', 1000), 'StripeCardDeclined');
      assert.equal(standin.refunds().length, 0);
    });

    it('fails permanently with StripeInvalidRequest for an unknown payment', async function () {
      await permanentFailure(refund('case-ES-1:comp-1:refund', 1000, 'pi_does_not_exist'), 'StripeInvalidRequest');
    });

    it("a 500 that outlasts the client's own retries surfaces as a retryable error, and the next attempt refunds once", async function () {
      this.timeout(30_000);
      standin.failNext('POST', '/v1/refunds', { status: 500, times: 3 });
      const err = await rejection(refund('case-ES-1:comp-1:refund', 2000));
      assert.ok(
        !(err instanceof ApplicationFailure),
        'Temporal must retry it, so it is not a (non-retryable) ApplicationFailure',
      );
      assert.ok(err instanceof Stripe.errors.StripeAPIError);
      assert.equal(err.statusCode, 500);
      assert.equal(standin.calls.filter((c) => c.injected).length, 3, 'the client retried twice before giving up');
      assert.equal(standin.refunds().length, 0);

      const retry = await refund('case-ES-1:comp-1:refund', 2000);
      assert.equal(retry.existing, false);
      assert.equal(refundsMade(), 1);
    });

    it('a rate limit surfaces as a retryable error', async function () {
      standin.failNext('GET', '/v1/refunds', { status: 429, type: 'rate_limit_error', code: 'rate_limit' });
      const err = await rejection(refund('case-ES-1:comp-1:refund', 2000));
      assert.ok(err instanceof Stripe.errors.StripeRateLimitError);
      assert.equal(standin.refunds().length, 0);
    });

    it('refuses a non-positive or fractional amount before calling Stripe', async function () {
      await permanentFailure(refund('case-ES-1:comp-1:refund', 0), 'InvalidMoneyInput');
      await permanentFailure(refund('case-ES-1:comp-1:refund', 10.5), 'InvalidMoneyInput');
      await permanentFailure(refund('', 100), 'InvalidMoneyInput');
      assert.equal(standin.calls.length, 0);
    });
  });

  describe('creditCustomerBalance', function () {
    const credit = (idempotencyKey: string, amountCents: number, customerId = 'cus_demo_ada') =>
      acts.creditCustomerBalance({
        idempotencyKey,
        customerId,
        amountCents,
        currency: 'usd',
        description: 'Goodwill credit, case ES-1',
        caseId: 'ES-1',
      });

    it('credits the customer (a negative balance) exactly once under retries, even after Stripe forgot the key', async function () {
      const first = await credit('case-ES-1:comp-1:credit', 450);
      assert.equal(first.existing, false);
      assert.match(first.balanceTransactionId, /^cbtxn_/);
      assert.deepEqual(await credit('case-ES-1:comp-1:credit', 450), { ...first, existing: true });
      standin.forgetIdempotencyKeys();
      assert.deepEqual(await credit('case-ES-1:comp-1:credit', 450), { ...first, existing: true });

      assert.equal(creditsMade('cus_demo_ada'), 1);
      assert.equal(standin.customer('cus_demo_ada')?.balance, -450);
      const txns = standin.balanceTransactions('cus_demo_ada');
      assert.equal(txns.length, 1);
      assert.equal(txns[0]?.amount, -450);
      assert.equal(txns[0]?.description, 'Goodwill credit, case ES-1');
      assert.deepEqual(txns[0]?.metadata, { idempotency_key: 'case-ES-1:comp-1:credit', case_id: 'ES-1' });
    });

    it('a refund followed by a failing credit: retrying the credit never repeats the refund', async function () {
      this.timeout(30_000);
      await refund('case-ES-1:comp-1:refund', 4500);
      standin.failNext('POST', '/v1/customers/cus_demo_ada/balance_transactions', { status: 503, times: 3 });
      const err = await rejection(credit('case-ES-1:comp-1:credit', 450));
      assert.ok(!(err instanceof ApplicationFailure));
      assert.equal(standin.balanceTransactions('cus_demo_ada').length, 0);

      // What the workflow does next: the refund step already completed, so only the credit runs again.
      await credit('case-ES-1:comp-1:credit', 450);
      assert.equal(refundsMade(), 1);
      assert.equal(creditsMade('cus_demo_ada'), 1);
      assert.equal(standin.customer('cus_demo_ada')?.balance, -450);
      assert.equal(standin.charge('ch_demo_paid')?.amount_refunded, 4500);
    });

    it('fails permanently with StripeInvalidRequest for an unknown customer', async function () {
      await permanentFailure(credit('case-ES-1:comp-1:credit', 450, 'cus_nobody'), 'StripeInvalidRequest');
    });

    it('refuses a non-positive amount before calling Stripe', async function () {
      await permanentFailure(credit('case-ES-1:comp-1:credit', -450), 'InvalidMoneyInput');
      assert.equal(standin.calls.length, 0);
    });
  });
});
