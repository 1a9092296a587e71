import Stripe from 'stripe';
import {
  MONEY_FAILURE,
  PermanentMoneyError,
  type MoneyGateway,
  type RefundRecord,
} from '../../activities/compensation';

// Only answers Stripe gave after looking at the request are permanent. 401/403 stay retryable: a
// fixed key and a restarted worker then finish the payment instead of stranding the case; 409
// (a concurrent request with the same idempotency key), 429, 5xx and network errors are transient.
function classify(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const detail = `${err.message}${err.code ? ` (${err.code})` : ''}`;
  if (err.code === 'charge_already_refunded')
    return new PermanentMoneyError(MONEY_FAILURE.chargeAlreadyRefunded, detail);
  if (err instanceof Stripe.errors.StripeCardError || err.statusCode === 402)
    return new PermanentMoneyError(MONEY_FAILURE.cardDeclined, detail);
  if (err.statusCode === 400 || err.statusCode === 404)
    return new PermanentMoneyError(MONEY_FAILURE.invalidRequest, detail);
  return err;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classify(err);
  }
}

const toRecord = (r: Stripe.Refund): RefundRecord => ({
  refundId: r.id,
  amountCents: r.amount,
  status: r.status ?? 'unknown',
});

/** The money activities' view of Stripe: Refunds and customer balance transactions. */
export function createStripeMoneyGateway(stripe: Stripe): MoneyGateway {
  return {
    async findRefund({ paymentIntentId, idempotencyKey }) {
      return call(async () => {
        // A payment has few refunds, so listing them all is cheap; Stripe has no refund search.
        for await (const r of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
          if (r.metadata?.idempotency_key === idempotencyKey) return toRecord(r);
        }
        return null;
      });
    },

    async createRefund({ paymentIntentId, amountCents, idempotencyKey, metadata }) {
      return call(async () =>
        toRecord(
          await stripe.refunds.create(
            { payment_intent: paymentIntentId, amount: amountCents, reason: 'requested_by_customer', metadata },
            { idempotencyKey },
          ),
        ),
      );
    },

    async findBalanceCredit({ customerId, idempotencyKey }) {
      return call(async () => {
        for await (const t of stripe.customers.listBalanceTransactions(customerId, { limit: 100 })) {
          if (t.metadata?.idempotency_key === idempotencyKey) return { balanceTransactionId: t.id };
        }
        return null;
      });
    },

    async createBalanceCredit({ customerId, creditCents, currency, description, idempotencyKey, metadata }) {
      return call(async () => {
        // In Stripe a negative balance transaction is a credit: money the customer has to spend.
        const t = await stripe.customers.createBalanceTransaction(
          customerId,
          { amount: -creditCents, currency, description, metadata },
          { idempotencyKey },
        );
        return { balanceTransactionId: t.id };
      });
    },
  };
}
