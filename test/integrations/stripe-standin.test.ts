import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';

function clientFor(standin: StripeStandin, key = 'sk_test_standin'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: standin.port, protocol: 'http', maxNetworkRetries: 0 });
}

// Asserts the promise rejects and hands back the error for further checks.
async function rejection<T = Error>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  assert.fail('expected the Stripe call to fail');
}

describe('Stripe stand-in (through the official stripe client)', function () {
  let standin: StripeStandin;
  let stripe: Stripe;
  let logLines: string[];

  beforeEach(async function () {
    logLines = [];
    standin = await startStripeStandin({ seedDemoData: true, log: (l) => logLines.push(l) });
    stripe = clientFor(standin);
  });

  afterEach(async function () {
    await standin.close();
  });

  it('retrieves a seeded payment intent with its expanded charge, and a declined one with its decline reason', async function () {
    const paid = await stripe.paymentIntents.retrieve('pi_demo_paid', { expand: ['latest_charge'] });
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.amount, 4500);
    assert.equal(paid.currency, 'usd');
    assert.equal(paid.customer, 'cus_demo_ada');
    const charge = paid.latest_charge as Stripe.Charge;
    assert.equal(charge.id, 'ch_demo_paid');
    assert.equal(charge.paid, true);
    assert.equal(charge.amount_refunded, 0);
    assert.equal(charge.payment_method_details?.card?.last4, '4242');

    const declined = await stripe.paymentIntents.retrieve('pi_demo_declined');
    assert.equal(declined.status, 'requires_payment_method');
    assert.equal(declined.latest_charge, 'ch_demo_declined', 'unexpanded latest_charge is an id');
    assert.equal(declined.last_payment_error?.decline_code, 'insufficient_funds');
    assert.equal(declined.last_payment_error?.code, 'card_declined');

    const failedCharge = await stripe.charges.retrieve('ch_demo_declined');
    assert.equal(failedCharge.status, 'failed');
    assert.equal(failedCharge.paid, false);
    assert.equal(failedCharge.failure_code, 'card_declined');
    assert.equal(failedCharge.outcome?.reason, 'insufficient_funds');
  });

  it('lists card payment methods of a customer and reads last4', async function () {
    const ada = await stripe.customers.listPaymentMethods('cus_demo_ada', { type: 'card' });
    assert.equal(ada.object, 'list');
    assert.deepEqual(
      ada.data.map((pm) => [pm.card?.brand, pm.card?.last4]),
      [['visa', '4242']],
    );

    const grace = await stripe.paymentMethods.list({ customer: 'cus_demo_grace', type: 'card' });
    assert.deepEqual(
      grace.data.map((pm) => pm.card?.last4),
      ['1881'],
    );

    const customer = await stripe.customers.retrieve('cus_demo_grace');
    assert.ok(!customer.deleted);
    assert.equal(customer.email, 'grace@example.com');
  });

  it('refunds partially, then the remainder, then refuses a third refund with charge_already_refunded', async function () {
    const first = await stripe.refunds.create({
      payment_intent: 'pi_demo_paid',
      amount: 1000,
      reason: 'requested_by_customer',
    });
    assert.equal(first.amount, 1000);
    assert.equal(first.charge, 'ch_demo_paid');
    assert.equal((await stripe.charges.retrieve('ch_demo_paid')).amount_refunded, 1000);

    const tooMuch = await rejection<Stripe.errors.StripeInvalidRequestError>(
      stripe.refunds.create({ payment_intent: 'pi_demo_paid', amount: 5000 }),
    );
    assert.equal(tooMuch.code, 'amount_too_large');
    assert.equal(tooMuch.param, 'amount');

    const rest = await stripe.refunds.create({ charge: 'ch_demo_paid' });
    assert.equal(rest.amount, 3500, 'amount defaults to what is left');

    const charge = await stripe.charges.retrieve('ch_demo_paid');
    assert.equal(charge.amount_refunded, 4500);
    assert.equal(charge.refunded, true);

    const third = await rejection<Stripe.errors.StripeInvalidRequestError>(
      stripe.refunds.create({ payment_intent: 'pi_demo_paid' }),
    );
    assert.ok(third instanceof Stripe.errors.StripeInvalidRequestError);
    assert.equal(third.statusCode, 400);
    assert.equal(third.code, 'charge_already_refunded');

    const listed = await stripe.refunds.list({ payment_intent: 'pi_demo_paid' });
    assert.deepEqual(
      listed.data.map((r) => r.amount),
      [3500, 1000],
      'newest first',
    );
    assert.equal(standin.count('POST', '/v1/refunds'), 2);
  });

  it('creates exactly one refund when the same Idempotency-Key is sent twice', async function () {
    const key = 'case-1:comp-1:refund';
    const a = await stripe.refunds.create({ payment_intent: 'pi_demo_session', amount: 2000 }, { idempotencyKey: key });
    const b = await stripe.refunds.create({ payment_intent: 'pi_demo_session', amount: 2000 }, { idempotencyKey: key });
    assert.equal(b.id, a.id);
    assert.equal(b.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal(a.lastResponse.headers['idempotent-replayed'], undefined);

    assert.equal(standin.count('POST', '/v1/refunds'), 1);
    assert.equal(standin.refunds().length, 1);
    assert.equal((await stripe.refunds.list({ charge: 'ch_demo_session' })).data.length, 1);
    assert.equal((await stripe.charges.retrieve('ch_demo_session')).amount_refunded, 2000);
    assert.deepEqual(
      standin.calls
        .filter((c) => c.path === '/v1/refunds' && c.method === 'POST')
        .map((c) => [c.idempotencyKey, c.status, c.replayed]),
      [
        [key, 200, false],
        [key, 200, true],
      ],
    );
    assert.ok(logLines.includes('stripe-standin POST /v1/refunds 200 idem=case-1:comp-1:refund'), logLines.join('\n'));
    assert.ok(
      logLines.every((l) => !l.includes('sk_test')),
      'the API key is never logged',
    );
  });

  it('rejects a reused Idempotency-Key with different parameters as idempotency_error', async function () {
    const key = 'case-2:comp-1:refund';
    await stripe.refunds.create({ payment_intent: 'pi_demo_session', amount: 1000 }, { idempotencyKey: key });
    const err = await rejection<Stripe.errors.StripeIdempotencyError>(
      stripe.refunds.create({ payment_intent: 'pi_demo_session', amount: 1500 }, { idempotencyKey: key }),
    );
    assert.ok(err instanceof Stripe.errors.StripeIdempotencyError);
    assert.equal(err.rawType, 'idempotency_error');
    assert.equal(err.statusCode, 400);
    assert.equal(standin.refunds().length, 1);
  });

  it('stops deduplicating a key after forgetIdempotencyKeys()', async function () {
    const key = 'case-3:comp-1:refund';
    await stripe.refunds.create({ payment_intent: 'pi_demo_session', amount: 500 }, { idempotencyKey: key });
    standin.forgetIdempotencyKeys();
    const again = await stripe.refunds.create(
      { payment_intent: 'pi_demo_session', amount: 500 },
      { idempotencyKey: key },
    );
    assert.equal(again.lastResponse.headers['idempotent-replayed'], undefined);
    assert.equal(standin.count('POST', '/v1/refunds'), 2);
    assert.equal((await stripe.refunds.list({ payment_intent: 'pi_demo_session' })).data.length, 2);
  });

  it('credits a customer with a negative balance transaction and lists it', async function () {
    const tx = await stripe.customers.createBalanceTransaction('cus_demo_grace', {
      amount: -1500,
      currency: 'usd',
      description: 'Goodwill credit',
      metadata: { case_id: 'case-7' },
    });
    assert.equal(tx.object, 'customer_balance_transaction');
    assert.equal(tx.ending_balance, -1500);
    await stripe.customers.createBalanceTransaction('cus_demo_grace', { amount: -500, currency: 'usd' });

    const customer = await stripe.customers.retrieve('cus_demo_grace');
    assert.ok(!customer.deleted);
    assert.equal(customer.balance, -2000);

    const listed = await stripe.customers.listBalanceTransactions('cus_demo_grace', { limit: 1 });
    assert.equal(listed.data.length, 1);
    assert.equal(listed.data[0]?.amount, -500, 'newest first');
    assert.equal(listed.has_more, true);
    assert.deepEqual(
      standin.balanceTransactions('cus_demo_grace').map((t) => t.metadata),
      [{ case_id: 'case-7' }, {}],
    );
  });

  it('finds payment intents, charges and customers by metadata search, and refunds by listing', async function () {
    const created = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: 'cus_demo_ada',
      payment_method: 'pm_card_visa',
      metadata: { case_id: 'case-42', kind: 'seat' },
    });
    assert.equal(created.status, 'succeeded');
    await stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      customer: 'cus_demo_ada',
      metadata: { case_id: 'case-43' },
    });

    const pis = await stripe.paymentIntents.search({
      query: "metadata['case_id']:'case-42' AND metadata['kind']:'seat'",
    });
    assert.equal(pis.object, 'search_result');
    assert.deepEqual(
      pis.data.map((p) => p.id),
      [created.id],
    );

    const charges = await stripe.charges.search({ query: "metadata['case_id']:'case-42'" });
    assert.deepEqual(
      charges.data.map((c) => c.payment_intent),
      [created.id],
    );

    await stripe.customers.update('cus_demo_ada', { metadata: { edu_user: 'u-1' } });
    const customers = await stripe.customers.search({
      query: "metadata['edu_user']:'u-1' AND email:'ada@example.com'",
    });
    assert.deepEqual(
      customers.data.map((c) => c.id),
      ['cus_demo_ada'],
    );

    await stripe.refunds.create({ payment_intent: created.id, amount: 100, metadata: { case_id: 'case-42' } });
    await stripe.refunds.create({ payment_intent: created.id, amount: 200 });
    const refunds = await stripe.refunds.list({ charge: created.latest_charge as string });
    assert.deepEqual(
      refunds.data.filter((r) => r.metadata?.case_id === 'case-42').map((r) => r.amount),
      [100],
    );

    const bad = await rejection<Stripe.errors.StripeInvalidRequestError>(
      stripe.charges.search({ query: "nonsense:'x'" }),
    );
    assert.equal(bad.param, 'query');
  });

  it('answers a declined payment intent creation with a 402 card error and keeps the intent', async function () {
    const err = await rejection<Stripe.errors.StripeCardError>(
      stripe.paymentIntents.create({
        amount: 3000,
        currency: 'usd',
        customer: 'cus_demo_grace',
        payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
      }),
    );
    assert.ok(err instanceof Stripe.errors.StripeCardError);
    assert.equal(err.statusCode, 402);
    assert.equal(err.decline_code, 'insufficient_funds');
    const piId = err.payment_intent?.id;
    assert.ok(piId);
    const pi = await stripe.paymentIntents.retrieve(piId, { expand: ['latest_charge'] });
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal((pi.latest_charge as Stripe.Charge).failure_message, 'Your card has insufficient funds.');
  });

  it('fails the next matching call as told by failNext, then recovers on retry with the same key', async function () {
    standin.failNext('POST', '/v1/refunds', { status: 500, code: 'lock_timeout', message: 'Injected outage' });
    const key = 'case-9:comp-1:refund';
    const err = await rejection<Stripe.errors.StripeAPIError>(
      stripe.refunds.create({ payment_intent: 'pi_demo_paid', amount: 700 }, { idempotencyKey: key }),
    );
    assert.ok(err instanceof Stripe.errors.StripeAPIError);
    assert.equal(err.statusCode, 500);
    assert.equal(err.code, 'lock_timeout');
    assert.equal(err.message, 'Injected outage');
    assert.equal(standin.refunds().length, 0);

    const ok = await stripe.refunds.create({ payment_intent: 'pi_demo_paid', amount: 700 }, { idempotencyKey: key });
    assert.equal(ok.amount, 700);
    assert.equal(standin.count('POST', '/v1/refunds'), 1);

    standin.failNext('GET', '/v1/customers', {
      status: 402,
      code: 'card_declined',
      declineCode: 'do_not_honor',
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const cardErr = await rejection<Stripe.errors.StripeCardError>(stripe.customers.retrieve('cus_demo_ada'));
      assert.ok(cardErr instanceof Stripe.errors.StripeCardError);
      assert.equal(cardErr.decline_code, 'do_not_honor');
    }
    assert.equal((await stripe.customers.retrieve('cus_demo_ada')).id, 'cus_demo_ada');
  });

  it('answers 401 without a usable API key', async function () {
    const raw = await fetch(`${standin.url}/v1/customers/cus_demo_ada`);
    assert.equal(raw.status, 401);
    const body = (await raw.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');

    // A custom authenticator that adds nothing makes the real client send no Authorization header at all.
    const noKey = new Stripe(null as unknown as string, {
      host: '127.0.0.1',
      port: standin.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      authenticator: () => Promise.resolve(),
    });
    const err = await rejection<Stripe.errors.StripeAuthenticationError>(noKey.customers.retrieve('cus_demo_ada'));
    assert.ok(err instanceof Stripe.errors.StripeAuthenticationError);
    assert.equal(err.statusCode, 401);

    const badKey = await rejection<Stripe.errors.StripeAuthenticationError>(
      clientFor(standin, 'not-a-key').customers.retrieve('cus_demo_ada'),
    );
    assert.equal(badKey.statusCode, 401);
    assert.equal(badKey.code, 'api_key_invalid');
    assert.equal(standin.count('GET', '/v1/customers'), 0);
  });

  it('answers 404 resource_missing for unknown ids', async function () {
    for (const call of [
      () => stripe.paymentIntents.retrieve('pi_nope'),
      () => stripe.charges.retrieve('ch_nope'),
      () => stripe.customers.retrieve('cus_nope'),
      () => stripe.refunds.retrieve('re_nope'),
    ]) {
      const err = await rejection<Stripe.errors.StripeInvalidRequestError>(call());
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'resource_missing');
    }
  });

  it('rejects unknown parameters the way Stripe does', async function () {
    const err = await rejection<Stripe.errors.StripeInvalidRequestError>(
      stripe.refunds.create({
        payment_intent: 'pi_demo_paid',
        amount_cents: 100,
      } as unknown as Stripe.RefundCreateParams),
    );
    assert.equal(err.code, 'parameter_unknown');
    assert.equal(err.param, 'amount_cents');
  });

  it('seeds idempotently and pages through lists with the client auto-pager', async function () {
    const ids = standin.seed();
    assert.equal(ids.paymentIntents.session, 'pi_demo_session');
    assert.equal(standin.customers().length, 2);
    assert.equal(standin.paymentIntents().length, 3);

    for (let i = 0; i < 3; i++)
      await stripe.customers.create({ email: `learner${i}@example.com`, name: `Learner ${i}` });
    const all = await stripe.customers.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    assert.equal(all.length, 5);
    assert.equal(new Set(all.map((c) => c.id)).size, 5);
    const byEmail = await stripe.customers.list({ email: 'learner1@example.com' });
    assert.deepEqual(
      byEmail.data.map((c) => c.name),
      ['Learner 1'],
    );
  });
});
