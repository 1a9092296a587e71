// The product's Stripe code against stripe-mock, Stripe's own mock server, which checks every
// request against Stripe's OpenAPI spec and answers with fixtures. stripe-mock is stateless, so
// these tests assert that what our gateways send is accepted and that the answers parse; remembered
// state (one refund per key, refunds found again by metadata) is the Stripe stand-in's part
// (stripe-standin.test.ts, compensation-activities.test.ts).
// The binary comes from `.ci/run` (pinned, into .tools/bin/); without it these tests are skipped.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Stripe from 'stripe';
import { compensationActivities, MONEY_FAILURE, PermanentMoneyError } from '../../activities/compensation';
import type { StripeGateway } from '../../activities/stripe';
import { buildActivityDeps } from '../../src/activity-deps';
import { loadConfig } from '../../src/config';
import { TEST_ENV } from '../helpers/cases';
import { createStripeClient, createStripeGateway } from '../../src/integrations/stripe-gateway';
import { createStripeMoneyGateway } from '../../src/integrations/stripe-money';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const STRIPE_MOCK_VERSION = 'v0.203.0';
const BINARY = process.env.STRIPE_MOCK ?? path.join(ROOT, '.tools', 'bin', 'stripe-mock');

/** Starts stripe-mock on free loopback ports (HTTP for us; its HTTPS listener cannot be turned off). */
async function startStripeMock(): Promise<{ url: string; stop(): Promise<void> }> {
  const env = { ...process.env };
  delete env.PORT; // stripe-mock would listen there
  const child: ChildProcess = spawn(BINARY, ['-http-addr', '127.0.0.1:', '-https-addr', '127.0.0.1:'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`stripe-mock did not start within 20 s:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Listening for HTTP at address: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stripe-mock exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type StripeObject = { object?: string; data?: StripeObject[] };
const parseObject = (text: string): StripeObject | undefined => {
  try {
    return JSON.parse(text) as StripeObject;
  } catch {
    return undefined;
  }
};

interface Seen {
  method: string;
  path: string;
  status: number;
  idempotencyKey?: string;
  body: URLSearchParams;
}

/**
 * A loopback proxy in front of stripe-mock that records each request and stripe-mock's answer. It
 * changes one thing: stripe-mock's fixture customer has no e-mail, so customers get `email`, which
 * lets the identity check go on to its payment-method lookup.
 */
async function startRecordingProxy(
  target: string,
  email: string,
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = http.request(
        new URL(req.url!, target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            let text = Buffer.concat(parts).toString();
            const json = parseObject(text);
            const customers =
              json?.object === 'customer'
                ? [json]
                : json?.object === 'list'
                  ? (json.data ?? []).filter((o) => o.object === 'customer')
                  : [];
            if (customers.length) {
              for (const c of customers) Object.assign(c, { email });
              text = JSON.stringify(json);
            }
            seen.push({
              method: req.method!,
              path: req.url!,
              status: up.statusCode!,
              idempotencyKey: req.headers['idempotency-key'] as string | undefined,
              body: new URLSearchParams(body.toString()),
            });
            const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode!, headers).end(text);
          });
        },
      );
      upstream.on('error', (err) => res.writeHead(502).end(String(err)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CUSTOMER_EMAIL = 'ada@example.com';

describe("Stripe gateways against stripe-mock (Stripe's OpenAPI spec)", function () {
  let mock: Awaited<ReturnType<typeof startStripeMock>> | undefined;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>> | undefined;
  let stripe: Stripe;
  let gateway: StripeGateway;
  const seen = () => proxy!.seen;
  /** Every request since the test began was accepted (2xx) by stripe-mock. */
  const allAccepted = () =>
    assert.deepEqual(
      seen()
        .filter((s) => s.status >= 300)
        .map((s) => `${s.method} ${s.path} -> ${s.status}`),
      [],
    );

  before(async function () {
    if (!existsSync(BINARY)) {
      const suite = this.test!.parent!;
      const where = BINARY.startsWith(ROOT) ? path.relative(ROOT, BINARY) : BINARY;
      console.log(
        `    skipping the ${suite.tests.length} tests of "${suite.title}": stripe-mock not installed (${where}): ` +
          `run .ci/run or GOBIN=$PWD/.tools/bin go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`,
      );
      this.skip();
    }
    mock = await startStripeMock();
    proxy = await startRecordingProxy(mock.url, CUSTOMER_EMAIL);
    stripe = createStripeClient({ secretKey: 'sk_test_stripemock', apiBase: proxy.url });
    gateway = createStripeGateway(stripe);
  });

  after(async () => {
    await proxy?.close();
    await mock?.stop();
  });

  beforeEach(() => {
    if (proxy) proxy.seen.length = 0;
  });

  it('looks up a payment intent with its latest charge expanded, and the answer parses into a lookup', async () => {
    const found = await gateway.lookupPayment('pi_case_lookup');
    assert.equal(found.found, true);
    assert.equal(typeof found.status, 'string');
    assert.equal(typeof found.succeeded, 'boolean');
    assert.ok(Number.isSafeInteger(found.amountCents) && found.amountCents! > 0);
    assert.match(found.currency ?? '', /^[a-z]{3}$/);
    assert.match(found.chargeId ?? '', /^ch_/, 'latest_charge came back expanded');
    assert.ok(Number.isSafeInteger(found.amountRefundedCents));
    assert.deepEqual(
      seen().map((s) => `${s.method} ${decodeURIComponent(s.path)}`),
      ['GET /v1/payment_intents/pi_case_lookup?expand[0]=latest_charge'],
    );
    allAccepted();
  });

  it('verifies identity by customer id: customer retrieval and the card list are accepted', async () => {
    const methods = await stripe.paymentMethods.list({ customer: 'cus_case_identity', type: 'card', limit: 1 });
    const last4 = methods.data[0]?.card?.last4;
    assert.match(last4 ?? '', /^\d{4}$/, 'stripe-mock answers with a card fixture');
    proxy!.seen.length = 0;

    const cards = await gateway.cardLast4s({ customerId: 'cus_case_identity', email: CUSTOMER_EMAIL });
    assert.ok(cards.includes(last4!), "the customer's card is listed");
    assert.ok(
      cards.every((c) => /^\d{4}$/.test(c)),
      'only last 4 digits leave the gateway',
    );
    assert.deepEqual(
      await gateway.cardLast4s({ customerId: 'cus_case_identity', email: 'someone-else@example.com' }),
      [],
    );
    assert.deepEqual(
      seen().map((s) => `${s.method} ${s.path.split('?')[0]}`),
      ['GET /v1/customers/cus_case_identity', 'GET /v1/payment_methods', 'GET /v1/customers/cus_case_identity'],
    );
    const list = new URLSearchParams(seen()[1].path.split('?')[1]);
    assert.deepEqual(Object.fromEntries(list), { customer: 'cus_case_identity', type: 'card', limit: '100' });
    allAccepted();
  });

  it('verifies identity by e-mail: the customer search by e-mail is accepted', async () => {
    const methods = await stripe.paymentMethods.list({ customer: 'cus_any', type: 'card', limit: 1 });
    proxy!.seen.length = 0;
    assert.ok((await gateway.cardLast4s({ email: CUSTOMER_EMAIL })).includes(methods.data[0].card!.last4));
    assert.deepEqual(
      seen().map((s) => `${s.method} ${s.path.split('?')[0]}`),
      ['GET /v1/customers', 'GET /v1/payment_methods'],
    );
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen()[0].path.split('?')[1])), {
      email: CUSTOMER_EMAIL,
      limit: '1',
    });
    allAccepted();
  });

  it('refunds through the compensation activity: refund list, then a refund with our Idempotency-Key and metadata', async () => {
    const acts = compensationActivities(createStripeMoneyGateway(stripe));
    const key = 'case-ES-MOCK1:comp-1:refund';
    const refund = await acts.createRefund({
      idempotencyKey: key,
      paymentIntentId: 'pi_case_refund',
      amountCents: 1500,
      caseId: 'ES-MOCK1',
    });
    assert.equal(refund.existing, false, "stripe-mock's fixture refunds carry none of our keys");
    assert.match(refund.refundId, /^re_/);
    assert.equal(refund.amountCents, 1500);
    assert.equal(typeof refund.status, 'string');

    const [list, create] = seen();
    assert.equal(seen().length, 2);
    assert.equal(`${list.method} ${list.path}`, 'GET /v1/refunds?payment_intent=pi_case_refund&limit=100');
    assert.equal(`${create.method} ${create.path}`, 'POST /v1/refunds');
    assert.equal(create.idempotencyKey, key, 'the business key is the Idempotency-Key');
    assert.deepEqual(Object.fromEntries(create.body), {
      payment_intent: 'pi_case_refund',
      amount: '1500',
      reason: 'requested_by_customer',
      'metadata[idempotency_key]': key,
      'metadata[case_id]': 'ES-MOCK1',
    });
    allAccepted();
  });

  it('credits a balance through the compensation activity: balance transaction list, then a negative one with our Idempotency-Key', async () => {
    const acts = compensationActivities(createStripeMoneyGateway(stripe));
    const key = 'case-ES-MOCK2:comp-1:credit';
    const credit = await acts.creditCustomerBalance({
      idempotencyKey: key,
      customerId: 'cus_case_credit',
      amountCents: 2500,
      currency: 'USD',
      description: 'Service credit for case ES-MOCK2',
      caseId: 'ES-MOCK2',
    });
    assert.equal(credit.existing, false);
    assert.match(credit.balanceTransactionId, /^cbtxn_/);

    const [list, create] = seen();
    assert.equal(seen().length, 2);
    assert.equal(`${list.method} ${list.path}`, 'GET /v1/customers/cus_case_credit/balance_transactions?limit=100');
    assert.equal(`${create.method} ${create.path}`, 'POST /v1/customers/cus_case_credit/balance_transactions');
    assert.equal(create.idempotencyKey, key);
    assert.deepEqual(Object.fromEntries(create.body), {
      amount: '-2500',
      currency: 'usd',
      description: 'Service credit for case ES-MOCK2',
      'metadata[idempotency_key]': key,
      'metadata[case_id]': 'ES-MOCK2',
    });
    allAccepted();
  });

  it('a request the spec refuses comes back as a permanent invalid-request failure, not a retry', async () => {
    const money = createStripeMoneyGateway(stripe);
    const err = await money
      .createRefund({
        paymentIntentId: 'pi_case_bad',
        amountCents: 12.5,
        idempotencyKey: 'case-ES-MOCK3:comp-1:refund',
        metadata: {},
      })
      .then(
        () => assert.fail('stripe-mock accepted a fractional amount'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof PermanentMoneyError, `expected a PermanentMoneyError, got ${String(err)}`);
    assert.equal(err.type, MONEY_FAILURE.invalidRequest);
    assert.deepEqual(
      seen().map((s) => `${s.method} ${s.path} -> ${s.status}`),
      ['POST /v1/refunds -> 400'],
      'a 400 is not retried',
    );
  });

  it("the worker's own wiring (buildActivityDeps with STRIPE_API_BASE) reaches Stripe's API the same way", async () => {
    const deps = buildActivityDeps(
      loadConfig({
        ...TEST_ENV,
        STRIPE_SECRET_KEY: 'sk_test_stripemock',
        STRIPE_API_BASE: proxy!.url,
        SMTP_URL: 'smtp://127.0.0.1:1',
        SLACK_BOT_TOKEN: 'xoxb-unused',
        PAGERDUTY_ROUTING_KEY: 'R0UNUSED000000000000000000000000',
      }),
    );
    try {
      const found = await deps.stripe.lookupPayment('pi_case_wired');
      assert.equal(found.found, true);
      const refund = await compensationActivities(deps.money).createRefund({
        idempotencyKey: 'case-ES-MOCK4:comp-1:refund',
        paymentIntentId: 'pi_case_wired',
        amountCents: 700,
        caseId: 'ES-MOCK4',
      });
      assert.match(refund.refundId, /^re_/);
      assert.deepEqual(
        seen().map((s) => `${s.method} ${s.path.split('?')[0]}`),
        ['GET /v1/payment_intents/pi_case_wired', 'GET /v1/refunds', 'POST /v1/refunds'],
      );
      assert.equal(seen()[2].idempotencyKey, 'case-ES-MOCK4:comp-1:refund');
      allAccepted();
    } finally {
      deps.close();
    }
  });
});
