import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, readBody } from './http';

/** Stripe metadata: string keys to string values. */
export type Metadata = Record<string, string>;

/** A card as Stripe shows it on payment methods and charges (never a full number). */
export interface StripeCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: string;
  country: string;
  fingerprint: string;
}

/** A `customer` object. */
export interface StripeCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  /** Cents; negative means credit owed to the customer (as in Stripe). */
  balance: number;
  currency: string | null;
  metadata: Metadata;
  livemode: false;
  delinquent: boolean;
  default_source: null;
  invoice_settings: {
    default_payment_method: string | null;
    custom_fields: null;
    footer: null;
    rendering_options: null;
  };
  preferred_locales: string[];
  tax_exempt: 'none';
  address: null;
  shipping: null;
  discount: null;
  test_clock: null;
}

/** A `payment_method` object (type card only). */
export interface StripePaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  card: StripeCard;
  billing_details: { name: string | null; email: string | null; phone: string | null; address: null };
  metadata: Metadata;
  livemode: false;
}

/** `last_payment_error` of a payment intent after a decline. */
export interface StripeLastPaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
  charge: string;
  doc_url: string;
  payment_method: StripePaymentMethod;
}

/** A `payment_intent` object. */
export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  created: number;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  description: string | null;
  status: 'requires_payment_method' | 'requires_confirmation' | 'succeeded' | 'canceled';
  /** Charge id, or the charge object when requested with `expand[]=latest_charge`. */
  latest_charge: string | null;
  last_payment_error: StripeLastPaymentError | null;
  payment_method: string | null;
  payment_method_types: string[];
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  client_secret: string;
  canceled_at: number | null;
  cancellation_reason: string | null;
  next_action: null;
  receipt_email: string | null;
  metadata: Metadata;
  livemode: false;
}

/** The `outcome` hash of a charge. */
export interface StripeChargeOutcome {
  network_status: 'approved_by_network' | 'declined_by_network';
  reason: string | null;
  risk_level: 'normal';
  risk_score: number;
  seller_message: string;
  type: 'authorized' | 'issuer_declined';
}

/** A `charge` object. */
export interface StripeCharge {
  id: string;
  object: 'charge';
  created: number;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  refunded: boolean;
  captured: boolean;
  paid: boolean;
  status: 'succeeded' | 'failed';
  currency: string;
  customer: string | null;
  description: string | null;
  payment_intent: string | null;
  payment_method: string | null;
  payment_method_details: { type: 'card'; card: StripeCard };
  failure_code: string | null;
  failure_message: string | null;
  outcome: StripeChargeOutcome;
  disputed: false;
  balance_transaction: null;
  billing_details: { name: string | null; email: string | null; phone: string | null; address: null };
  receipt_url: string;
  metadata: Metadata;
  livemode: false;
}

/** A `refund` object. */
export interface StripeRefund {
  id: string;
  object: 'refund';
  created: number;
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string | null;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  status: 'succeeded';
  metadata: Metadata;
  balance_transaction: null;
  receipt_number: null;
  source_transfer_reversal: null;
  transfer_reversal: null;
}

/** A `customer_balance_transaction` object. */
export interface StripeBalanceTransaction {
  id: string;
  object: 'customer_balance_transaction';
  created: number;
  amount: number;
  currency: string;
  customer: string;
  description: string | null;
  ending_balance: number;
  type: 'adjustment';
  metadata: Metadata;
  credit_note: null;
  invoice: null;
  livemode: false;
}

/** One HTTP request the stand-in answered (API key never included). */
export interface StripeCall {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  idempotencyKey?: string;
  status: number;
  /** Answered from the idempotency store; nothing was created. */
  replayed: boolean;
  /** Answered by a failNext() fault. */
  injected: boolean;
  at: number;
}

/** A fault for failNext(); `type` defaults from the status (402 card_error, 5xx api_error, else invalid_request_error). */
export interface StripeFault {
  status: number;
  type?: string;
  code?: string;
  declineCode?: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

/** Ids of the demo data added by seed(). */
export interface DemoData {
  customers: { ada: 'cus_demo_ada'; grace: 'cus_demo_grace' };
  paymentMethods: {
    adaVisa: 'pm_demo_ada_visa';
    graceVisa: 'pm_demo_grace_visa';
    declinedCard: 'pm_demo_declined_card';
  };
  paymentIntents: { paid: 'pi_demo_paid'; declined: 'pi_demo_declined'; session: 'pi_demo_session' };
  charges: { paid: 'ch_demo_paid'; declined: 'ch_demo_declined'; session: 'ch_demo_session' };
}

/** Direct (non-HTTP) payment intent seeding; `paymentMethod` is a pm id or a Stripe test token like `pm_card_chargeDeclined`. */
export interface PaymentIntentSeed {
  amount: number;
  currency?: string;
  customer?: string;
  metadata?: Metadata;
  description?: string;
  paymentMethod?: string;
  /** Default true: charge immediately. */
  confirm?: boolean;
  id?: string;
  chargeId?: string;
  created?: number;
}

/** Options for {@link startStripeStandin}. */
export interface StripeStandinOptions {
  /** 0 (default) picks a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Call seed() before listening. */
  seedDemoData?: boolean;
  /** Receives one line per request. */
  log?: (line: string) => void;
}

/** A running Stripe API stand-in with inspectable state. */
export interface StripeStandin {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Port actually bound. */
  port: number;
  /** Spread into `new Stripe(key, {...standin.clientOptions, maxNetworkRetries: 0})`. */
  clientOptions: { host: string; port: number; protocol: 'http' };
  /** Every request, in arrival order. */
  calls: StripeCall[];
  /** Successful (2xx), non-replayed, non-injected requests with this method whose path starts with pathPrefix. */
  count(method: string, pathPrefix: string): number;
  /** All refunds, oldest first. */
  refunds(): StripeRefund[];
  /** A customer's balance transactions, oldest first. */
  balanceTransactions(customerId: string): StripeBalanceTransaction[];
  /** All live (not deleted) customers, oldest first. */
  customers(): StripeCustomer[];
  /** One customer, or undefined. */
  customer(id: string): StripeCustomer | undefined;
  /** Card payment methods (of one customer if given), oldest first. */
  paymentMethods(customerId?: string): StripePaymentMethod[];
  /** All payment intents, oldest first. */
  paymentIntents(): StripePaymentIntent[];
  /** One payment intent, or undefined. */
  paymentIntent(id: string): StripePaymentIntent | undefined;
  /** All charges, oldest first. */
  charges(): StripeCharge[];
  /** One charge, or undefined. */
  charge(id: string): StripeCharge | undefined;
  /** Seeds a payment intent without an HTTP call (declines don't throw; inspect the result). */
  createPaymentIntent(seed: PaymentIntentSeed): { paymentIntent: StripePaymentIntent; charge?: StripeCharge };
  /** The next `times` requests matching method + path prefix get this error instead of being handled. */
  failNext(method: string, pathPrefix: string, opts: StripeFault): void;
  /** The next matching request is carried out, but its answer never comes back: a caller that dies or times out waiting. */
  holdNext(method: string, pathPrefix: string): void;
  /** Drops all stored idempotency keys, as Stripe does after 24 hours. */
  forgetIdempotencyKeys(): void;
  /** Idempotently adds the demo data and returns its ids. */
  seed(): DemoData;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

type FormValue = string | FormObject | FormValue[];
interface FormObject {
  [key: string]: FormValue;
}

interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  doc_url?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    // Stripe stores no idempotent result when a request fails validation before the endpoint runs.
    readonly storeForIdempotency = true,
  ) {
    super(body.message);
  }
}

interface Reply {
  status?: number;
  body: unknown;
}

interface Ctx {
  method: string;
  path: string;
  params: FormObject;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: Ctx, m: string[]) => Reply;
}

interface StoredResponse {
  method: string;
  path: string;
  canonical: string;
  status: number;
  body: string;
  requestId: string;
}

interface Fault extends Required<Pick<StripeFault, 'status'>> {
  method: string;
  pathPrefix: string;
  type: string;
  code?: string;
  declineCode?: string;
  message: string;
  remaining: number;
}

interface Decline {
  code: string;
  declineCode: string;
  message: string;
}

interface TestCard {
  brand: string;
  last4: string;
  funding?: string;
  decline?: Decline;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DOC_URL = 'https://stripe.com/docs/error-codes';
const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'expand'];

// Stripe's documented test payment methods; the stand-in never sees card numbers, only these tokens.
const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', funding: 'debit' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_discover: { brand: 'discover', last4: '1117' },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    decline: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    decline: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  pm_card_chargeDeclinedLostCard: {
    brand: 'visa',
    last4: '9987',
    decline: { code: 'card_declined', declineCode: 'lost_card', message: 'Your card was declined.' },
  },
  pm_card_chargeDeclinedStolenCard: {
    brand: 'visa',
    last4: '9979',
    decline: { code: 'card_declined', declineCode: 'stolen_card', message: 'Your card was declined.' },
  },
  pm_card_chargeDeclinedFraudulent: {
    brand: 'visa',
    last4: '0019',
    decline: { code: 'card_declined', declineCode: 'fraudulent', message: 'Your card was declined.' },
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    decline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    decline: {
      code: 'incorrect_cvc',
      declineCode: 'incorrect_cvc',
      message: "Your card's security code is incorrect.",
    },
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    decline: {
      code: 'processing_error',
      declineCode: 'processing_error',
      message: 'An error occurred while processing your card. Try again in a little bit.',
    },
  },
};

const SEARCH_FIELDS: Record<string, string[]> = {
  charges: [
    'amount',
    'billing_details.address.postal_code',
    'created',
    'currency',
    'customer',
    'disputed',
    'metadata',
    'payment_method_details.card.brand',
    'payment_method_details.card.exp_month',
    'payment_method_details.card.exp_year',
    'payment_method_details.card.fingerprint',
    'payment_method_details.card.last4',
    'refunded',
    'status',
  ],
  payment_intents: ['amount', 'created', 'currency', 'customer', 'metadata', 'status'],
  customers: ['created', 'email', 'metadata', 'name', 'phone'],
};

const DEMO: DemoData = {
  customers: { ada: 'cus_demo_ada', grace: 'cus_demo_grace' },
  paymentMethods: {
    adaVisa: 'pm_demo_ada_visa',
    graceVisa: 'pm_demo_grace_visa',
    declinedCard: 'pm_demo_declined_card',
  },
  paymentIntents: { paid: 'pi_demo_paid', declined: 'pi_demo_declined', session: 'pi_demo_session' },
  charges: { paid: 'ch_demo_paid', declined: 'ch_demo_declined', session: 'ch_demo_session' },
};

/** Starts a stateful Stripe REST API stand-in on 127.0.0.1 (random port unless `port` is given). */
export async function startStripeStandin(opts: StripeStandinOptions = {}): Promise<StripeStandin> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);

  const customers = new Map<string, StripeCustomer>();
  const deletedCustomers = new Set<string>();
  const paymentMethods = new Map<string, StripePaymentMethod>();
  const paymentIntents = new Map<string, StripePaymentIntent>();
  const charges = new Map<string, StripeCharge>();
  const refunds = new Map<string, StripeRefund>();
  const balanceTxns = new Map<string, StripeBalanceTransaction>();
  // Test-card behaviour stays off the wire objects, like Stripe's own card network outcome.
  const declines = new Map<string, Decline>();
  // Insertion order breaks ties between objects created in the same second.
  const seq = new Map<string, number>();
  let nextSeq = 0;
  const idempotency = new Map<string, StoredResponse>();
  const faults: Fault[] = [];
  const calls: StripeCall[] = [];
  let closed = false;

  function register<T extends { id: string }>(map: Map<string, T>, obj: T): T {
    map.set(obj.id, obj);
    seq.set(obj.id, nextSeq++);
    return obj;
  }

  function findAny(id: string): unknown {
    return (
      customers.get(id) ??
      paymentMethods.get(id) ??
      paymentIntents.get(id) ??
      charges.get(id) ??
      refunds.get(id) ??
      balanceTxns.get(id)
    );
  }

  function newestFirst<T extends { id: string; created: number }>(items: Iterable<T>): T[] {
    return [...items].sort((a, b) => b.created - a.created || (seq.get(b.id) ?? 0) - (seq.get(a.id) ?? 0));
  }

  // ---- domain operations (shared by HTTP handlers and the direct seeding API) ----

  function getCustomer(id: string, param?: string): StripeCustomer {
    const c = customers.get(id);
    if (!c) throw noSuch('customer', id, param);
    return c;
  }

  function createCustomer(fields: {
    id?: string;
    email?: string | null;
    name?: string | null;
    phone?: string | null;
    description?: string | null;
    metadata?: Metadata;
    balance?: number;
    created?: number;
  }): StripeCustomer {
    const id = fields.id ?? newId('cus');
    return register(customers, {
      id,
      object: 'customer',
      created: fields.created ?? now(),
      email: fields.email ?? null,
      name: fields.name ?? null,
      phone: fields.phone ?? null,
      description: fields.description ?? null,
      balance: fields.balance ?? 0,
      currency: null,
      metadata: { ...(fields.metadata ?? {}) },
      livemode: false,
      delinquent: false,
      default_source: null,
      invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
      preferred_locales: [],
      tax_exempt: 'none',
      address: null,
      shipping: null,
      discount: null,
      test_clock: null,
    });
  }

  function paymentMethodFromToken(
    token: string,
    customer: string | null,
    id?: string,
    created?: number,
  ): StripePaymentMethod {
    const card = TEST_CARDS[token];
    if (!card) throw noSuch('PaymentMethod', token, 'payment_method', 400);
    const pm = register(paymentMethods, {
      id: id ?? newId('pm'),
      object: 'payment_method',
      type: 'card',
      created: created ?? now(),
      customer,
      card: {
        brand: card.brand,
        last4: card.last4,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3,
        funding: card.funding ?? 'credit',
        country: 'US',
        fingerprint: fingerprint(token),
      },
      billing_details: { name: null, email: null, phone: null, address: null },
      metadata: {},
      livemode: false,
    });
    if (card.decline) declines.set(pm.id, card.decline);
    return pm;
  }

  // Accepts an existing pm id or a test token (Stripe turns a token into a fresh pm on use).
  function resolvePaymentMethod(ref: string, customer: string | null): StripePaymentMethod {
    const existing = paymentMethods.get(ref);
    if (existing) {
      if (existing.customer && customer && existing.customer !== customer) {
        throw invalid(
          `The provided PaymentMethod belongs to a different Customer (${existing.customer}).`,
          'payment_method',
        );
      }
      return existing;
    }
    return paymentMethodFromToken(ref, null);
  }

  function attach(pm: StripePaymentMethod, customer: StripeCustomer): StripePaymentMethod {
    if (pm.customer && pm.customer !== customer.id) {
      throw invalid(
        'The payment method you provided has already been attached to a customer.',
        'payment_method',
        'payment_method_unexpected_state',
      );
    }
    pm.customer = customer.id;
    pm.billing_details.email ??= customer.email;
    pm.billing_details.name ??= customer.name;
    return pm;
  }

  function confirm(
    pi: StripePaymentIntent,
    pm: StripePaymentMethod,
    chargeId?: string,
    created?: number,
  ): StripeCharge {
    const decline = declines.get(pm.id);
    const customer = pi.customer ? customers.get(pi.customer) : undefined;
    const ch = register(charges, {
      id: chargeId ?? newId('ch'),
      object: 'charge',
      created: created ?? now(),
      amount: pi.amount,
      amount_captured: decline ? 0 : pi.amount,
      amount_refunded: 0,
      refunded: false,
      captured: !decline,
      paid: !decline,
      status: decline ? 'failed' : 'succeeded',
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      payment_intent: pi.id,
      payment_method: pm.id,
      payment_method_details: { type: 'card', card: { ...pm.card } },
      failure_code: decline ? decline.code : null,
      failure_message: decline ? decline.message : null,
      outcome: decline
        ? {
            network_status: 'declined_by_network',
            reason: decline.declineCode,
            risk_level: 'normal',
            risk_score: 32,
            seller_message: `The bank returned the decline code \`${decline.declineCode}\`.`,
            type: 'issuer_declined',
          }
        : {
            network_status: 'approved_by_network',
            reason: null,
            risk_level: 'normal',
            risk_score: 21,
            seller_message: 'Payment complete.',
            type: 'authorized',
          },
      disputed: false,
      balance_transaction: null,
      billing_details: { name: customer?.name ?? null, email: customer?.email ?? null, phone: null, address: null },
      receipt_url: `https://pay.stripe.com/receipts/standin/${pi.id}`,
      metadata: { ...pi.metadata },
      livemode: false,
    });
    pi.latest_charge = ch.id;
    pi.payment_method = decline ? null : pm.id;
    if (decline) {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        type: 'card_error',
        code: decline.code,
        decline_code: decline.declineCode,
        message: decline.message,
        charge: ch.id,
        doc_url: `${DOC_URL}#${decline.code}`,
        payment_method: clone(pm),
      };
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.last_payment_error = null;
    }
    return ch;
  }

  function createPaymentIntent(seed: PaymentIntentSeed): { paymentIntent: StripePaymentIntent; charge?: StripeCharge } {
    const customer = seed.customer !== undefined ? getCustomer(seed.customer, 'customer') : undefined;
    const currency = (seed.currency ?? 'usd').toLowerCase();
    // Resolved before anything is stored so a bad payment_method leaves no half-made intent behind.
    let pm =
      seed.paymentMethod !== undefined ? resolvePaymentMethod(seed.paymentMethod, customer?.id ?? null) : undefined;
    const id = seed.id ?? newId('pi');
    const pi = register(paymentIntents, {
      id,
      object: 'payment_intent',
      created: seed.created ?? now(),
      amount: seed.amount,
      amount_received: 0,
      currency,
      customer: customer?.id ?? null,
      description: seed.description ?? null,
      status: 'requires_payment_method',
      latest_charge: null,
      last_payment_error: null,
      payment_method: null,
      payment_method_types: ['card'],
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      client_secret: `${id}_secret_${randomAlnum(24)}`,
      canceled_at: null,
      cancellation_reason: null,
      next_action: null,
      receipt_email: null,
      metadata: { ...(seed.metadata ?? {}) },
      livemode: false,
    });
    if (seed.confirm === false) {
      if (pm) {
        pi.payment_method = pm.id;
        pi.status = 'requires_confirmation';
      }
      return { paymentIntent: pi };
    }
    // There is no browser to confirm with, so the stand-in charges the customer's first card (or a test visa).
    pm ??=
      [...paymentMethods.values()].find((p) => customer && p.customer === customer.id) ??
      paymentMethodFromToken('pm_card_visa', null);
    const ch = confirm(pi, pm, seed.chargeId, seed.created);
    return { paymentIntent: pi, charge: ch };
  }

  function cardError(pi: StripePaymentIntent): ApiError {
    const e = pi.last_payment_error;
    if (!e) throw new Error('cardError without last_payment_error');
    return new ApiError(402, {
      type: 'card_error',
      code: e.code,
      decline_code: e.decline_code,
      message: e.message,
      charge: e.charge,
      doc_url: e.doc_url,
      payment_intent: clone(pi),
      payment_method: clone(e.payment_method),
    });
  }

  function addBalanceTransaction(
    customer: StripeCustomer,
    fields: {
      amount: number;
      currency: string;
      description?: string | null;
      metadata?: Metadata;
      id?: string;
      created?: number;
    },
  ): StripeBalanceTransaction {
    if (customer.currency && customer.currency !== fields.currency) {
      throw invalid(
        `Customer balance transactions must use the customer's currency (${customer.currency}).`,
        'currency',
      );
    }
    customer.currency ??= fields.currency;
    customer.balance += fields.amount;
    return register(balanceTxns, {
      id: fields.id ?? newId('cbtxn'),
      object: 'customer_balance_transaction',
      created: fields.created ?? now(),
      amount: fields.amount,
      currency: fields.currency,
      customer: customer.id,
      description: fields.description ?? null,
      ending_balance: customer.balance,
      type: 'adjustment',
      metadata: { ...(fields.metadata ?? {}) },
      credit_note: null,
      invoice: null,
      livemode: false,
    });
  }

  function seed(): DemoData {
    const day = 86_400;
    const t = now();
    if (!customers.has(DEMO.customers.ada)) {
      createCustomer({ id: DEMO.customers.ada, name: 'Ada Lovelace', email: 'ada@example.com', created: t - 30 * day });
    }
    if (!customers.has(DEMO.customers.grace)) {
      createCustomer({
        id: DEMO.customers.grace,
        name: 'Grace Hopper',
        email: 'grace@example.com',
        created: t - 20 * day,
      });
    }
    const ada = getCustomer(DEMO.customers.ada);
    const grace = getCustomer(DEMO.customers.grace);
    if (!paymentMethods.has(DEMO.paymentMethods.adaVisa)) {
      attach(paymentMethodFromToken('pm_card_visa', null, DEMO.paymentMethods.adaVisa, t - 30 * day), ada);
    }
    if (!paymentMethods.has(DEMO.paymentMethods.graceVisa)) {
      const pm = paymentMethodFromToken('pm_card_visa', null, DEMO.paymentMethods.graceVisa, t - 20 * day);
      // 4012 8888 8888 1881 is Stripe's second visa test number.
      pm.card.last4 = '1881';
      pm.card.fingerprint = fingerprint('demo_grace_visa');
      attach(pm, grace);
    }
    if (!paymentMethods.has(DEMO.paymentMethods.declinedCard)) {
      paymentMethodFromToken(
        'pm_card_chargeDeclinedInsufficientFunds',
        null,
        DEMO.paymentMethods.declinedCard,
        t - 2 * day,
      );
    }
    if (!paymentIntents.has(DEMO.paymentIntents.paid)) {
      createPaymentIntent({
        id: DEMO.paymentIntents.paid,
        chargeId: DEMO.charges.paid,
        amount: 4500,
        currency: 'usd',
        customer: ada.id,
        paymentMethod: DEMO.paymentMethods.adaVisa,
        description: 'EduStream Plus (annual)',
        created: t - 3 * day,
      });
    }
    if (!paymentIntents.has(DEMO.paymentIntents.declined)) {
      createPaymentIntent({
        id: DEMO.paymentIntents.declined,
        chargeId: DEMO.charges.declined,
        amount: 4500,
        currency: 'usd',
        customer: ada.id,
        paymentMethod: DEMO.paymentMethods.declinedCard,
        description: 'EduStream Plus (annual renewal)',
        created: t - 2 * day,
      });
    }
    if (!paymentIntents.has(DEMO.paymentIntents.session)) {
      createPaymentIntent({
        id: DEMO.paymentIntents.session,
        chargeId: DEMO.charges.session,
        amount: 6000,
        currency: 'usd',
        customer: grace.id,
        paymentMethod: DEMO.paymentMethods.graceVisa,
        description: 'EduStream live tutoring session',
        created: t - 1 * day,
      });
    }
    return clone(DEMO);
  }

  // ---- expansion, lists, search ----

  function expand<T>(obj: T, params: FormObject, listPrefix = false): T {
    const out = clone(obj);
    for (const path of stringArray(params.expand, 'expand')) {
      const segs = path.split('.');
      if (listPrefix && segs[0] !== 'data') throw invalid(`This property cannot be expanded (${path}).`, 'expand');
      expandPath(out as unknown, segs, path);
    }
    return out;
  }

  function expandPath(target: unknown, segs: string[], full: string): void {
    if (segs.length === 0 || target === null || typeof target !== 'object') return;
    if (Array.isArray(target)) {
      for (const item of target) expandPath(item, segs, full);
      return;
    }
    const rec = target as Record<string, unknown>;
    const [head, ...rest] = segs as [string, ...string[]];
    if (!Object.prototype.hasOwnProperty.call(rec, head))
      throw invalid(`This property cannot be expanded (${full}).`, 'expand');
    const value = rec[head];
    if (typeof value === 'string') {
      const found = findAny(value);
      if (!found) throw invalid(`This property cannot be expanded (${full}).`, 'expand');
      rec[head] = clone(found);
    }
    expandPath(rec[head], rest, full);
  }

  function list<T extends { id: string; created: number }>(items: Iterable<T>, params: FormObject, url: string): Reply {
    const limit = optInt(params, 'limit') ?? 10;
    if (limit < 1 || limit > 100)
      throw invalid('Invalid limit: must be between 1 and 100', 'limit', 'parameter_invalid_integer');
    let sorted = newestFirst(items);
    const after = optString(params, 'starting_after');
    const before = optString(params, 'ending_before');
    if (after !== undefined) {
      const i = sorted.findIndex((o) => o.id === after);
      if (i < 0) throw noSuch('object', after, 'starting_after', 400);
      sorted = sorted.slice(i + 1);
    } else if (before !== undefined) {
      const i = sorted.findIndex((o) => o.id === before);
      if (i < 0) throw noSuch('object', before, 'ending_before', 400);
      sorted = sorted.slice(Math.max(0, i - limit), i);
      return { body: expand({ object: 'list', data: sorted, has_more: i - limit > 0, url }, params, true) };
    }
    const page = sorted.slice(0, limit);
    return { body: expand({ object: 'list', data: page, has_more: sorted.length > limit, url }, params, true) };
  }

  function search<T extends { id: string; created: number }>(
    resource: string,
    items: Iterable<T>,
    params: FormObject,
    url: string,
  ): Reply {
    allow(params, ['query', 'limit', 'page', 'expand']);
    const query = requireString(params, 'query');
    const matcher = compileSearch(query, SEARCH_FIELDS[resource] ?? [], resource);
    const limit = optInt(params, 'limit') ?? 10;
    if (limit < 1 || limit > 100)
      throw invalid('Invalid limit: must be between 1 and 100', 'limit', 'parameter_invalid_integer');
    const pageToken = optString(params, 'page');
    let offset = 0;
    if (pageToken !== undefined) {
      const m = /^standin_page_(\d+)$/.exec(pageToken);
      if (!m?.[1]) throw invalid('Invalid page token.', 'page');
      offset = Number(m[1]);
    }
    const matched = newestFirst(items).filter((o) => matcher(o as unknown as Record<string, unknown>));
    const data = matched.slice(offset, offset + limit);
    const hasMore = matched.length > offset + limit;
    return {
      body: expand(
        {
          object: 'search_result',
          data,
          has_more: hasMore,
          next_page: hasMore ? `standin_page_${offset + limit}` : null,
          url,
        },
        params,
        true,
      ),
    };
  }

  // ---- HTTP routes ----

  function liveCustomer(id: string): StripeCustomer {
    return getCustomer(id);
  }

  function findPaymentIntent(id: string, param?: string): StripePaymentIntent {
    const pi = paymentIntents.get(id);
    if (!pi) throw noSuch('payment_intent', id, param, param ? 400 : 404);
    return pi;
  }

  function findCharge(id: string, param?: string): StripeCharge {
    const ch = charges.get(id);
    if (!ch) throw noSuch('charge', id, param, param ? 400 : 404);
    return ch;
  }

  const routes: Route[] = [
    // customers
    {
      method: 'POST',
      pattern: /^\/v1\/customers$/,
      handle: ({ params }) => {
        allow(params, ['email', 'name', 'phone', 'description', 'metadata', 'balance', 'payment_method', 'expand']);
        const pmRef = optString(params, 'payment_method');
        const c = createCustomer({
          email: optString(params, 'email'),
          name: optString(params, 'name'),
          phone: optString(params, 'phone'),
          description: optString(params, 'description'),
          metadata: metadataParam(params) ?? {},
          balance: optInt(params, 'balance'),
        });
        if (pmRef !== undefined) attach(resolvePaymentMethod(pmRef, c.id), c);
        return { body: expand(c, params) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers$/,
      handle: ({ params }) => {
        allow(params, [...LIST_PARAMS, 'email', 'created', 'test_clock']);
        const email = optString(params, 'email');
        const items = [...customers.values()].filter((c) => email === undefined || c.email === email);
        return list(items, params, '/v1/customers');
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/search$/,
      handle: ({ params }) => search('customers', customers.values(), params, '/v1/customers/search'),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand']);
        if (deletedCustomers.has(id!)) return { body: { id, object: 'customer', deleted: true } };
        return { body: expand(liveCustomer(id!), params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['email', 'name', 'phone', 'description', 'metadata', 'balance', 'invoice_settings', 'expand']);
        const c = liveCustomer(id!);
        for (const field of ['email', 'name', 'phone', 'description'] as const) {
          // Stripe unsets a field when it is sent empty.
          if (params[field] !== undefined) c[field] = optString(params, field) ?? null;
        }
        const balance = optInt(params, 'balance');
        if (balance !== undefined) c.balance = balance;
        updateMetadata(c.metadata, params);
        const settings = params.invoice_settings;
        if (settings !== undefined && typeof settings === 'object' && !Array.isArray(settings)) {
          const dpm = settings.default_payment_method;
          if (typeof dpm === 'string') {
            if (dpm !== '' && paymentMethods.get(dpm)?.customer !== c.id) {
              throw invalid(
                `No such PaymentMethod: '${dpm}'`,
                'invoice_settings[default_payment_method]',
                'resource_missing',
              );
            }
            c.invoice_settings.default_payment_method = dpm === '' ? null : dpm;
          }
        }
        return { body: expand(c, params) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/customers\/([^/]+)$/,
      handle: (_ctx, [id]) => {
        liveCustomer(id!);
        customers.delete(id!);
        deletedCustomers.add(id!);
        for (const pm of paymentMethods.values()) if (pm.customer === id) pm.customer = null;
        return { body: { id, object: 'customer', deleted: true } };
      },
    },
    // customer balance transactions
    {
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)\/balance_transactions$/,
      handle: ({ params }, [id]) => {
        allow(params, ['amount', 'currency', 'description', 'metadata', 'expand']);
        const c = liveCustomer(id!);
        const amount = requireInt(params, 'amount');
        if (amount === 0) throw invalid('Amount must be non-zero.', 'amount', 'parameter_invalid_integer');
        const tx = addBalanceTransaction(c, {
          amount,
          currency: currencyParam(params),
          description: optString(params, 'description'),
          metadata: metadataParam(params),
        });
        return { body: expand(tx, params) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/balance_transactions$/,
      handle: ({ params }, [id]) => {
        allow(params, [...LIST_PARAMS, 'created', 'invoice']);
        liveCustomer(id!);
        const items = [...balanceTxns.values()].filter((t) => t.customer === id);
        return list(items, params, `/v1/customers/${id}/balance_transactions`);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/balance_transactions\/([^/]+)$/,
      handle: ({ params }, [cid, id]) => {
        allow(params, ['expand']);
        liveCustomer(cid!);
        const tx = balanceTxns.get(id!);
        if (!tx || tx.customer !== cid) throw noSuch('customer_balance_transaction', id!);
        return { body: expand(tx, params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)\/balance_transactions\/([^/]+)$/,
      handle: ({ params }, [cid, id]) => {
        allow(params, ['description', 'metadata', 'expand']);
        liveCustomer(cid!);
        const tx = balanceTxns.get(id!);
        if (!tx || tx.customer !== cid) throw noSuch('customer_balance_transaction', id!);
        if (params.description !== undefined) tx.description = optString(params, 'description') ?? null;
        updateMetadata(tx.metadata, params);
        return { body: expand(tx, params) };
      },
    },
    // payment methods
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/payment_methods$/,
      handle: ({ params }, [id]) => {
        allow(params, [...LIST_PARAMS, 'type', 'allow_redisplay']);
        liveCustomer(id!);
        const type = optString(params, 'type');
        const items = [...paymentMethods.values()].filter(
          (p) => p.customer === id && (type === undefined || p.type === type),
        );
        return list(items, params, `/v1/customers/${id}/payment_methods`);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/payment_methods\/([^/]+)$/,
      handle: ({ params }, [cid, id]) => {
        allow(params, ['expand']);
        liveCustomer(cid!);
        const pm = paymentMethods.get(id!);
        if (!pm || pm.customer !== cid) throw noSuch('PaymentMethod', id!);
        return { body: expand(pm, params) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_methods$/,
      handle: ({ params }) => {
        allow(params, [...LIST_PARAMS, 'customer', 'type']);
        const customer = optString(params, 'customer');
        if (customer !== undefined) getCustomer(customer, 'customer');
        const type = optString(params, 'type');
        const items = [...paymentMethods.values()].filter(
          (p) => (customer === undefined || p.customer === customer) && (type === undefined || p.type === type),
        );
        return list(items, params, '/v1/payment_methods');
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_methods\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand']);
        const pm = paymentMethods.get(id!);
        if (!pm) throw noSuch('PaymentMethod', id!);
        return { body: expand(pm, params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_methods\/([^/]+)\/attach$/,
      handle: ({ params }, [id]) => {
        allow(params, ['customer', 'expand']);
        const c = getCustomer(requireString(params, 'customer'), 'customer');
        if (!paymentMethods.has(id!) && !TEST_CARDS[id!]) throw noSuch('PaymentMethod', id!);
        return { body: expand(attach(resolvePaymentMethod(id!, c.id), c), params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_methods\/([^/]+)\/detach$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand']);
        const pm = paymentMethods.get(id!);
        if (!pm) throw noSuch('PaymentMethod', id!);
        if (!pm.customer)
          throw invalid(
            'The payment method you provided is not attached to a customer so detachment is impossible.',
            undefined,
            'payment_method_unexpected_state',
          );
        pm.customer = null;
        return { body: expand(pm, params) };
      },
    },
    // payment intents
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents$/,
      handle: ({ params }) => {
        allow(params, [
          'amount',
          'currency',
          'customer',
          'metadata',
          'description',
          'payment_method',
          'confirm',
          'payment_method_types',
          'automatic_payment_methods',
          'off_session',
          'receipt_email',
          'capture_method',
          'return_url',
          'setup_future_usage',
          'error_on_requires_action',
          'statement_descriptor_suffix',
          'expand',
        ]);
        const amount = requireInt(params, 'amount');
        if (amount < 50) throw invalid('Amount must be at least 50 cents.', 'amount', 'amount_too_small');
        const capture = optString(params, 'capture_method');
        if (capture !== undefined && capture !== 'automatic' && capture !== 'automatic_async') {
          throw invalid('The Stripe stand-in only supports automatic capture.', 'capture_method');
        }
        const customer = optString(params, 'customer');
        const { paymentIntent } = createPaymentIntent({
          amount,
          currency: currencyParam(params),
          customer,
          metadata: metadataParam(params),
          description: optString(params, 'description'),
          paymentMethod: optString(params, 'payment_method'),
          confirm: optBool(params, 'confirm'),
        });
        if (paymentIntent.last_payment_error) throw cardError(paymentIntent);
        return { body: expand(paymentIntent, params) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_intents$/,
      handle: ({ params }) => {
        allow(params, [...LIST_PARAMS, 'customer', 'created']);
        const customer = optString(params, 'customer');
        const items = [...paymentIntents.values()].filter((p) => customer === undefined || p.customer === customer);
        return list(items, params, '/v1/payment_intents');
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_intents\/search$/,
      handle: ({ params }) => search('payment_intents', paymentIntents.values(), params, '/v1/payment_intents/search'),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand', 'client_secret']);
        return { body: expand(findPaymentIntent(id!), params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['metadata', 'description', 'receipt_email', 'expand']);
        const pi = findPaymentIntent(id!);
        if (params.description !== undefined) pi.description = optString(params, 'description') ?? null;
        if (params.receipt_email !== undefined) pi.receipt_email = optString(params, 'receipt_email') ?? null;
        updateMetadata(pi.metadata, params);
        return { body: expand(pi, params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
      handle: ({ params }, [id]) => {
        allow(params, ['payment_method', 'off_session', 'return_url', 'error_on_requires_action', 'expand']);
        const pi = findPaymentIntent(id!);
        if (pi.status === 'succeeded' || pi.status === 'canceled') {
          throw invalid(
            `You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`,
            undefined,
            'payment_intent_unexpected_state',
          );
        }
        const ref = optString(params, 'payment_method') ?? pi.payment_method;
        if (!ref)
          throw invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            'payment_method',
            'payment_intent_unexpected_state',
          );
        confirm(pi, resolvePaymentMethod(ref, pi.customer));
        if (pi.last_payment_error) throw cardError(pi);
        return { body: expand(pi, params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
      handle: ({ params }, [id]) => {
        allow(params, ['cancellation_reason', 'expand']);
        const pi = findPaymentIntent(id!);
        if (pi.status === 'succeeded' || pi.status === 'canceled') {
          throw invalid(
            `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
            undefined,
            'payment_intent_unexpected_state',
          );
        }
        pi.status = 'canceled';
        pi.canceled_at = now();
        pi.cancellation_reason = optString(params, 'cancellation_reason') ?? null;
        return { body: expand(pi, params) };
      },
    },
    // charges
    {
      method: 'GET',
      pattern: /^\/v1\/charges$/,
      handle: ({ params }) => {
        allow(params, [...LIST_PARAMS, 'customer', 'payment_intent', 'created']);
        const customer = optString(params, 'customer');
        const pi = optString(params, 'payment_intent');
        const items = [...charges.values()].filter(
          (c) => (customer === undefined || c.customer === customer) && (pi === undefined || c.payment_intent === pi),
        );
        return list(items, params, '/v1/charges');
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges\/search$/,
      handle: ({ params }) => search('charges', charges.values(), params, '/v1/charges/search'),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand']);
        return { body: expand(findCharge(id!), params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/charges\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['metadata', 'description', 'expand']);
        const ch = findCharge(id!);
        if (params.description !== undefined) ch.description = optString(params, 'description') ?? null;
        updateMetadata(ch.metadata, params);
        return { body: expand(ch, params) };
      },
    },
    // refunds
    {
      method: 'POST',
      pattern: /^\/v1\/refunds$/,
      handle: ({ params }) => {
        allow(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'instructions_email', 'expand']);
        const piId = optString(params, 'payment_intent');
        const chId = optString(params, 'charge');
        if (piId === undefined && chId === undefined) throw missingParam('payment_intent');
        let ch: StripeCharge;
        if (chId !== undefined) {
          ch = findCharge(chId, 'charge');
          if (piId !== undefined && ch.payment_intent !== piId) {
            throw invalid(`Charge ${chId} does not belong to PaymentIntent ${piId}.`, 'charge');
          }
        } else {
          const pi = findPaymentIntent(piId!, 'payment_intent');
          const latest = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
          if (pi.status !== 'succeeded' || !latest) {
            throw invalid(
              `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
              'payment_intent',
              'payment_intent_unexpected_state',
            );
          }
          ch = latest;
        }
        if (ch.status !== 'succeeded') {
          throw invalid(`Charge ${ch.id} has not succeeded and cannot be refunded.`, 'charge', 'charge_not_refundable');
        }
        const remaining = ch.amount - ch.amount_refunded;
        if (remaining <= 0)
          throw invalid(`Charge ${ch.id} has already been refunded.`, undefined, 'charge_already_refunded');
        const amount = optInt(params, 'amount') ?? remaining;
        if (amount <= 0) throw invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer', false);
        if (amount > remaining) {
          throw invalid(
            `Refund amount (${money(amount, ch.currency)}) is greater than unrefunded amount on charge (${money(remaining, ch.currency)})`,
            'amount',
            'amount_too_large',
          );
        }
        const reason = optString(params, 'reason');
        if (reason !== undefined && !(REFUND_REASONS as readonly string[]).includes(reason)) {
          throw invalid(
            'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
            'reason',
            undefined,
            false,
          );
        }
        const refund = register(refunds, {
          id: newId('re'),
          object: 'refund',
          created: now(),
          amount,
          currency: ch.currency,
          charge: ch.id,
          payment_intent: ch.payment_intent,
          reason: (reason as StripeRefund['reason'] | undefined) ?? null,
          status: 'succeeded',
          metadata: metadataParam(params) ?? {},
          balance_transaction: null,
          receipt_number: null,
          source_transfer_reversal: null,
          transfer_reversal: null,
        });
        ch.amount_refunded += amount;
        ch.refunded = ch.amount_refunded >= ch.amount;
        return { body: expand(refund, params) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/refunds$/,
      handle: ({ params }) => {
        allow(params, [...LIST_PARAMS, 'charge', 'payment_intent', 'created']);
        const chId = optString(params, 'charge');
        const piId = optString(params, 'payment_intent');
        const items = [...refunds.values()].filter(
          (r) => (chId === undefined || r.charge === chId) && (piId === undefined || r.payment_intent === piId),
        );
        return list(items, params, '/v1/refunds');
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/refunds\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['expand']);
        const r = refunds.get(id!);
        if (!r) throw noSuch('refund', id!);
        return { body: expand(r, params) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/refunds\/([^/]+)$/,
      handle: ({ params }, [id]) => {
        allow(params, ['metadata', 'expand']);
        const r = refunds.get(id!);
        if (!r) throw noSuch('refund', id!);
        updateMetadata(r.metadata, params);
        return { body: expand(r, params) };
      },
    },
  ];

  // ---- request pipeline ----

  function takeFault(method: string, path: string): Fault | undefined {
    const i = faults.findIndex((f) => f.method === method && path.startsWith(f.pathPrefix));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(i, 1);
    return f;
  }

  function route(ctx: Ctx): Reply {
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(ctx.path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== ctx.method) continue;
      let ids: string[];
      try {
        ids = m.slice(1).map((s) => decodeURIComponent(s));
      } catch {
        throw invalid(`Malformed URL: ${ctx.path}`, undefined, undefined, false);
      }
      return r.handle(ctx, ids);
    }
    throw new ApiError(
      404,
      {
        type: 'invalid_request_error',
        message: pathMatched
          ? `Unrecognized request URL (${ctx.method}: ${ctx.path}). The stand-in does not support this method on this path.`
          : `Unrecognized request URL (${ctx.method}: ${ctx.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      },
      false,
    );
  }

  interface Outcome {
    status: number;
    body: string;
    headers: Record<string, string>;
    replayed: boolean;
    injected: boolean;
  }

  function handle(
    method: string,
    path: string,
    query: string,
    rawBody: string,
    headers: http.IncomingHttpHeaders,
    requestId: string,
  ): Outcome {
    const json = (status: number, body: unknown, extra: Record<string, string> = {}): Outcome => ({
      status,
      body: JSON.stringify(body, null, 2),
      headers: extra,
      replayed: false,
      injected: false,
    });
    const fail = (e: ApiError): Outcome =>
      json(e.status, { error: { ...e.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } });

    if (!authorized(headers.authorization)) {
      const sent = headers.authorization !== undefined;
      return json(401, {
        error: sent
          ? { type: 'invalid_request_error', code: 'api_key_invalid', message: 'Invalid API Key provided.' }
          : {
              type: 'invalid_request_error',
              message:
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            },
      });
    }

    const fault = takeFault(method, path);
    if (fault) {
      const error: StripeErrorBody = { type: fault.type, message: fault.message };
      if (fault.code !== undefined) error.code = fault.code;
      if (fault.declineCode !== undefined) error.decline_code = fault.declineCode;
      // Injected faults model failures before the endpoint ran, so they are never stored for replay.
      return { ...json(fault.status, { error }), injected: true };
    }

    let params: FormObject;
    try {
      params = mergeParams(decodeForm(query), decodeForm(rawBody));
    } catch (e) {
      return fail(e instanceof ApiError ? e : invalid('Invalid request body.', undefined, undefined, false));
    }

    const idemKey = method === 'POST' ? headerString(headers['idempotency-key']) : undefined;
    const canonical = canonicalJson(params);
    if (idemKey !== undefined) {
      if (idemKey.length > 255) {
        return fail(invalid('Idempotency keys must be at most 255 characters long.', undefined, undefined, false));
      }
      const stored = idempotency.get(idemKey);
      if (stored) {
        if (stored.method !== method || stored.path !== path || stored.canonical !== canonical) {
          return json(
            400,
            {
              error: {
                type: 'idempotency_error',
                code: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
              },
            },
            { 'Stripe-Should-Retry': 'false' },
          );
        }
        return {
          status: stored.status,
          body: stored.body,
          replayed: true,
          injected: false,
          headers: { 'Idempotent-Replayed': 'true', 'Original-Request': stored.requestId },
        };
      }
    }

    let out: Outcome;
    let store = true;
    try {
      const reply = route({ method, path, params });
      out = json(reply.status ?? 200, reply.body);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      out = fail(e);
      store = e.storeForIdempotency;
    }
    if (idemKey !== undefined && store) {
      idempotency.set(idemKey, { method, path, canonical, status: out.status, body: out.body, requestId });
    }
    return out;
  }

  const holds: { method: string; pathPrefix: string }[] = [];
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const requestId = `req_${randomAlnum(14)}`;
    const idemKey = headerString(req.headers['idempotency-key']);
    const send = (o: { status: number; body: string; headers: Record<string, string> }): void => {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Request-Id': requestId,
        ...o.headers,
      };
      const version = headerString(req.headers['stripe-version']);
      if (version !== undefined) headers['Stripe-Version'] = version;
      if (method === 'POST' && idemKey !== undefined) headers['Idempotency-Key'] = idemKey;
      res.writeHead(o.status, headers);
      res.end(o.body);
    };
    const record = (status: number, replayed: boolean, injected: boolean): void => {
      const call: StripeCall = { method, path, query, status, replayed, injected, at: Date.now() };
      if (idemKey !== undefined && method === 'POST') call.idempotencyKey = idemKey;
      calls.push(call);
      // Only method, path and idempotency key: query strings and bodies can hold customer data.
      log(
        `stripe-standin ${method} ${path} ${status}${call.idempotencyKey !== undefined ? ` idem=${call.idempotencyKey}` : ''}${replayed ? ' replayed' : ''}${injected ? ' injected' : ''}`,
      );
    };
    readBody(req, MAX_BODY_BYTES).then(
      (raw) => {
        let out: Outcome;
        try {
          out = handle(method, path, query, raw, req.headers, requestId);
        } catch (e) {
          out = {
            status: 500,
            replayed: false,
            injected: false,
            headers: {},
            body: JSON.stringify({
              error: {
                type: 'api_error',
                message: `Stand-in internal error: ${e instanceof Error ? e.message : String(e)}`,
              },
            }),
          };
        }
        record(out.status, out.replayed, out.injected);
        const hold = holds.findIndex((h) => h.method === method && path.startsWith(h.pathPrefix));
        if (hold >= 0) {
          holds.splice(hold, 1);
          held.add(res);
          return; // done at "Stripe", never answered: the next attempt must find the object, not make another
        }
        send(out);
      },
      (err: unknown) => {
        const tooLarge = err instanceof Error && err.message === 'body too large';
        const status = tooLarge ? 413 : 400;
        record(status, false, false);
        send({
          status,
          headers: {},
          body: JSON.stringify({
            error: {
              type: 'invalid_request_error',
              message: tooLarge ? 'Request body too large.' : 'Could not read request body.',
            },
          }),
        });
      },
    );
  });

  if (opts.seedDemoData) seed();
  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    clientOptions: { host: urlHost.replace(/^\[|\]$/g, ''), port, protocol: 'http' },
    calls,
    count(method, pathPrefix) {
      const m = method.toUpperCase();
      return calls.filter(
        (c) =>
          c.method === m &&
          c.path.startsWith(pathPrefix) &&
          c.status >= 200 &&
          c.status < 300 &&
          !c.replayed &&
          !c.injected,
      ).length;
    },
    refunds: () => clone([...refunds.values()]),
    balanceTransactions: (customerId) => clone([...balanceTxns.values()].filter((t) => t.customer === customerId)),
    customers: () => clone([...customers.values()]),
    customer: (id) => (customers.has(id) ? clone(customers.get(id)) : undefined),
    paymentMethods: (customerId) =>
      clone([...paymentMethods.values()].filter((p) => customerId === undefined || p.customer === customerId)),
    paymentIntents: () => clone([...paymentIntents.values()]),
    paymentIntent: (id) => (paymentIntents.has(id) ? clone(paymentIntents.get(id)) : undefined),
    charges: () => clone([...charges.values()]),
    charge: (id) => (charges.has(id) ? clone(charges.get(id)) : undefined),
    createPaymentIntent(s) {
      const { paymentIntent, charge } = createPaymentIntent(s);
      return charge
        ? { paymentIntent: clone(paymentIntent), charge: clone(charge) }
        : { paymentIntent: clone(paymentIntent) };
    },
    failNext(method, pathPrefix, f) {
      const type =
        f.type ?? (f.status === 402 ? 'card_error' : f.status >= 500 ? 'api_error' : 'invalid_request_error');
      const fault: Fault = {
        method: method.toUpperCase(),
        pathPrefix,
        status: f.status,
        type,
        message: f.message ?? `Injected ${f.status} from the Stripe stand-in.`,
        remaining: f.times ?? 1,
      };
      if (f.code !== undefined) fault.code = f.code;
      if (f.declineCode !== undefined) fault.declineCode = f.declineCode;
      faults.push(fault);
    },
    holdNext(method, pathPrefix) {
      holds.push({ method: method.toUpperCase(), pathPrefix });
    },
    forgetIdempotencyKeys() {
      idempotency.clear();
    },
    seed,
    async close() {
      if (closed) return;
      closed = true;
      await closeServer(server);
    },
  };
}

// ---- helpers (pure) ----

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function randomAlnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

function newId(prefix: string): string {
  return `${prefix}_${randomAlnum(24)}`;
}

function fingerprint(seed: string): string {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `fp${h.toString(36)}standin`.slice(0, 16);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function money(cents: number, currency: string): string {
  return `${currency === 'usd' ? '$' : ''}${(cents / 100).toFixed(2)}${currency === 'usd' ? '' : ` ${currency}`}`;
}

function headerString(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

// Stripe accepts Bearer auth and Basic auth with the key as username (what `curl -u sk_test_...:` sends).
function authorized(header: string | undefined): boolean {
  if (!header) return false;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  let key = bearer;
  if (key === undefined) {
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    if (basic !== undefined) key = Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
  }
  return key !== undefined && /^(sk|rk)_[A-Za-z0-9_]+$/.test(key);
}

function invalid(message: string, param?: string, code?: string, storeForIdempotency = true): ApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (code !== undefined) {
    body.code = code;
    body.doc_url = `${DOC_URL}#${code}`;
  }
  if (param !== undefined) body.param = param;
  return new ApiError(400, body, storeForIdempotency);
}

function noSuch(kind: string, id: string, param = 'id', status = 404): ApiError {
  return new ApiError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: `${DOC_URL}#resource_missing`,
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

function missingParam(name: string): ApiError {
  return invalid(`Missing required param: ${name}.`, name, 'parameter_missing', false);
}

// Stripe rejects parameters it doesn't know; keeping that here catches typos that would fail in production.
function allow(params: FormObject, names: string[]): void {
  for (const k of Object.keys(params)) {
    if (!names.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown', false);
  }
}

function optString(params: FormObject, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string')
    throw invalid(`Invalid string: ${name} must be a string.`, name, 'parameter_invalid_string', false);
  return v;
}

function requireString(params: FormObject, name: string): string {
  const v = optString(params, name);
  if (v === undefined) throw missingParam(name);
  return v;
}

function optInt(params: FormObject, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v)) {
    throw invalid(`Invalid integer: ${typeof v === 'string' ? v : name}`, name, 'parameter_invalid_integer', false);
  }
  return Number(v);
}

function requireInt(params: FormObject, name: string): number {
  const v = optInt(params, name);
  if (v === undefined) throw missingParam(name);
  return v;
}

function optBool(params: FormObject, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(`Invalid boolean: ${typeof v === 'string' ? v : name}`, name, 'parameter_invalid_boolean', false);
}

function currencyParam(params: FormObject): string {
  const c = requireString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(c)) throw invalid(`Invalid currency: ${c}.`, 'currency', undefined, false);
  return c;
}

function metadataParam(params: FormObject): Metadata | undefined {
  const v = params.metadata;
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalid('Invalid metadata: must be a hash.', 'metadata', undefined, false);
  const out: Metadata = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string')
      throw invalid(`Invalid metadata value for ${k}: must be a string.`, `metadata[${k}]`, undefined, false);
    if (k.length > 40) throw invalid('Metadata keys can be at most 40 characters.', `metadata[${k}]`, undefined, false);
    if (val.length > 500)
      throw invalid('Metadata values can be at most 500 characters.', `metadata[${k}]`, undefined, false);
    // An empty value unsets the key (meaningful on updates, a no-op on creates).
    if (val !== '') out[k] = val;
  }
  return out;
}

function updateMetadata(target: Metadata, params: FormObject): void {
  if (params.metadata === '') {
    for (const k of Object.keys(target)) delete target[k];
    return;
  }
  const incoming = metadataParam(params);
  if (!incoming) return;
  const raw = params.metadata as FormObject;
  for (const [k, v] of Object.entries(raw)) {
    if (v === '') delete target[k];
  }
  Object.assign(target, incoming);
}

// The client sends arrays indexed (`expand[0]=x`); curl users tend to send `expand[]=x`. Accept both.
function stringArray(v: FormValue | undefined, name: string): string[] {
  if (v === undefined || v === '') return [];
  if (typeof v === 'string') return [v];
  const items = Array.isArray(v)
    ? v
    : Object.keys(v)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => {
          if (!/^\d+$/.test(k)) throw invalid(`Invalid array: ${name}`, name, 'parameter_invalid_array', false);
          return v[k]!;
        });
  return items.map((i) => {
    if (typeof i !== 'string') throw invalid(`Invalid array: ${name}`, name, 'parameter_invalid_array', false);
    return i;
  });
}

/** Decodes Stripe-style form data (`a[b][c]=v`, `a[]=v`, `a[0]=v`) into nested objects; only `[]` makes arrays. */
function decodeForm(raw: string): FormObject {
  const root: FormObject = Object.create(null) as FormObject;
  if (raw === '') return root;
  for (const [key, value] of new URLSearchParams(raw)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const segs =
      m?.[1] !== undefined ? [m[1], ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? '')] : [key];
    assignPath(root, segs, value, key);
  }
  return root;
}

function assignPath(container: FormObject | FormValue[], segs: string[], value: string, key: string): void {
  const [head, ...rest] = segs as [string, ...string[]];
  const conflict = (): ApiError => invalid(`Invalid parameter structure: ${key}`, key, 'parameter_invalid', false);
  if (Array.isArray(container)) {
    if (head !== '') throw conflict();
    if (rest.length === 0) {
      container.push(value);
      return;
    }
    const child: FormObject | FormValue[] = rest[0] === '' ? [] : (Object.create(null) as FormObject);
    container.push(child);
    assignPath(child, rest, value, key);
    return;
  }
  const existing = container[head];
  if (rest.length === 0) {
    if (existing !== undefined && typeof existing !== 'string') throw conflict();
    container[head] = value;
    return;
  }
  const wantArray = rest[0] === '';
  if (existing === undefined) {
    const child: FormObject | FormValue[] = wantArray ? [] : (Object.create(null) as FormObject);
    container[head] = child;
    assignPath(child, rest, value, key);
    return;
  }
  if (typeof existing === 'string' || Array.isArray(existing) !== wantArray) throw conflict();
  assignPath(existing, rest, value, key);
}

// Stripe merges query-string parameters into POST bodies; the body wins on conflicts.
function mergeParams(query: FormObject, body: FormObject): FormObject {
  const out: FormObject = Object.create(null) as FormObject;
  for (const [k, v] of Object.entries(query)) out[k] = v;
  for (const [k, v] of Object.entries(body)) out[k] = v;
  return out;
}

// Parameter order must not matter when comparing an idempotent retry with the original.
function canonicalJson(v: FormValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`)
    .join(',')}}`;
}

// ---- search query language (subset): field:'v', metadata['k']:'v', ~ > < >= <=, -negation, AND/OR ----

interface SearchTerm {
  negate: boolean;
  field: string;
  metaKey?: string;
  op: ':' | '~' | '>' | '<' | '>=' | '<=';
  value: string | number | null;
}

function compileSearch(query: string, fields: string[], resource: string): (obj: Record<string, unknown>) => boolean {
  const bad = (why: string): ApiError => invalid(`Invalid search query: ${why}`, 'query', 'parameter_invalid', false);
  let i = 0;
  const ws = (): void => {
    while (i < query.length && /\s/.test(query[i]!)) i++;
  };
  const quoted = (): string => {
    const q = query[i];
    if (q !== "'" && q !== '"') throw bad(`expected a quoted string at position ${i}`);
    i++;
    let s = '';
    while (i < query.length && query[i] !== q) {
      if (query[i] === '\\' && i + 1 < query.length) i++;
      s += query[i];
      i++;
    }
    if (query[i] !== q) throw bad('unterminated string');
    i++;
    return s;
  };
  const terms: SearchTerm[] = [];
  const joiners = new Set<string>();
  ws();
  while (i < query.length) {
    const term: SearchTerm = { negate: false, field: '', op: ':', value: null };
    if (query[i] === '-') {
      term.negate = true;
      i++;
    }
    const fm = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(query.slice(i));
    if (!fm) throw bad(`expected a field name at position ${i}`);
    term.field = fm[0];
    i += fm[0].length;
    if (term.field === 'metadata') {
      if (query[i] !== '[') throw bad("metadata must be followed by ['key']");
      i++;
      term.metaKey = quoted();
      if (query[i] !== ']') throw bad("metadata must be followed by ['key']");
      i++;
    }
    if (!fields.includes(term.field))
      throw bad(`Field '${term.field}' is an unsupported search field for resource ${resource}.`);
    const om = /^(>=|<=|:|~|>|<)/.exec(query.slice(i));
    if (!om) throw bad(`expected an operator after ${term.field}`);
    term.op = om[1] as SearchTerm['op'];
    i += om[1]!.length;
    if (query[i] === "'" || query[i] === '"') {
      term.value = quoted();
    } else {
      const vm = /^[^\s]+/.exec(query.slice(i));
      if (!vm) throw bad(`expected a value after ${term.field}${term.op}`);
      i += vm[0].length;
      term.value = vm[0] === 'null' ? null : /^-?\d+(\.\d+)?$/.test(vm[0]) ? Number(vm[0]) : vm[0];
    }
    if (term.op === '~' && (typeof term.value !== 'string' || term.value.length < 3)) {
      throw bad('the ~ operator needs a string of at least 3 characters');
    }
    terms.push(term);
    ws();
    if (i >= query.length) break;
    const jm = /^(AND|OR)\s+/.exec(query.slice(i));
    if (!jm) throw bad(`expected AND or OR at position ${i}`);
    joiners.add(jm[1]!);
    i += jm[0].length;
    ws();
  }
  if (terms.length === 0) throw bad('empty query');
  if (joiners.size > 1) throw bad('AND and OR cannot be combined in one query');
  const any = joiners.has('OR');
  return (obj) => (any ? terms.some((t) => matchTerm(obj, t)) : terms.every((t) => matchTerm(obj, t)));
}

function matchTerm(obj: Record<string, unknown>, t: SearchTerm): boolean {
  let actual: unknown;
  if (t.metaKey !== undefined) {
    actual = (obj.metadata as Metadata | undefined)?.[t.metaKey];
  } else {
    actual = t.field
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
  }
  let result: boolean;
  if (t.value === null) {
    result = t.op === ':' && (actual === null || actual === undefined);
  } else if (t.op === ':' || t.op === '~') {
    if (actual === null || actual === undefined) {
      result = false;
    } else {
      const a = String(actual).toLowerCase();
      const v = String(t.value).toLowerCase();
      result = t.op === ':' ? a === v : a.includes(v);
    }
  } else {
    const a = typeof actual === 'number' ? actual : Number.NaN;
    const v = Number(t.value);
    result = t.op === '>' ? a > v : t.op === '<' ? a < v : t.op === '>=' ? a >= v : a <= v;
  }
  return t.negate ? !result : result;
}
