import { ApplicationFailure } from '@temporalio/activity';

/** Failure types of money activities that retrying cannot fix; the workflow records them and tells the agent. */
export const MONEY_FAILURE = {
  chargeAlreadyRefunded: 'StripeChargeAlreadyRefunded',
  cardDeclined: 'StripeCardDeclined',
  invalidRequest: 'StripeInvalidRequest',
  invalidInput: 'InvalidMoneyInput',
} as const;

/** One of the permanent failure types a money gateway reports. */
export type PermanentMoneyFailureType = Exclude<
  (typeof MONEY_FAILURE)[keyof typeof MONEY_FAILURE],
  'InvalidMoneyInput'
>;

/** Thrown by a MoneyGateway for an answer that retrying cannot change; anything else it throws is retried. */
export class PermanentMoneyError extends Error {
  constructor(
    readonly type: PermanentMoneyFailureType,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentMoneyError';
  }
}

/** A refund as the payment provider holds it. */
export interface RefundRecord {
  refundId: string;
  amountCents: number;
  status: string;
}

/** A customer balance transaction as the payment provider holds it. */
export interface BalanceCreditRecord {
  balanceTransactionId: string;
}

/** The slice of Stripe that moves money; src/integrations/stripe-money.ts implements it. */
export interface MoneyGateway {
  /** The refund on this payment whose metadata carries the key, if any. */
  findRefund(q: { paymentIntentId: string; idempotencyKey: string }): Promise<RefundRecord | null>;
  /** Creates a refund, passing the key as the provider's idempotency key and in metadata. */
  createRefund(r: {
    paymentIntentId: string;
    amountCents: number;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }): Promise<RefundRecord>;
  /** The customer's balance transaction whose metadata carries the key, if any. */
  findBalanceCredit(q: { customerId: string; idempotencyKey: string }): Promise<BalanceCreditRecord | null>;
  /** Credits the customer's balance by creditCents (> 0), with the key as idempotency key and in metadata. */
  createBalanceCredit(c: {
    customerId: string;
    creditCents: number;
    currency: string;
    description: string;
    idempotencyKey: string;
    metadata: Record<string, string>;
  }): Promise<BalanceCreditRecord>;
}

/** Input of createRefund; the key is a business key such as `case-ES-1:comp-1:refund`. */
export interface CreateRefundInput {
  idempotencyKey: string;
  paymentIntentId: string;
  amountCents: number;
  caseId: string;
}

/** Input of creditCustomerBalance; amountCents > 0 is what the customer receives. */
export interface CreditCustomerBalanceInput {
  idempotencyKey: string;
  customerId: string;
  amountCents: number;
  currency: string;
  description: string;
  caseId: string;
}

function checkInput(i: { idempotencyKey: string; amountCents: number; caseId: string }): void {
  // Stripe caps idempotency keys at 255 characters and metadata values at 500.
  if (!i.idempotencyKey || i.idempotencyKey.length > 255) {
    throw ApplicationFailure.nonRetryable('idempotencyKey must be 1 to 255 characters', MONEY_FAILURE.invalidInput);
  }
  if (!Number.isSafeInteger(i.amountCents) || i.amountCents <= 0) {
    throw ApplicationFailure.nonRetryable('amountCents must be a positive integer', MONEY_FAILURE.invalidInput);
  }
  if (!i.caseId || i.caseId.length > 500)
    throw ApplicationFailure.nonRetryable('caseId is required', MONEY_FAILURE.invalidInput);
}

async function permanentAsFailure<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PermanentMoneyError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

/** Refund and credit activities that pay exactly once per business key (DESIGN.md decision 5). */
export function compensationActivities(gw: MoneyGateway) {
  return {
    /** Refunds a payment once per key: an earlier refund with the key in its metadata is returned, not repeated. */
    async createRefund(input: CreateRefundInput): Promise<RefundRecord & { existing: boolean }> {
      checkInput(input);
      return permanentAsFailure(async () => {
        // Stripe forgets idempotency keys after 24 hours; the metadata on the refund does not forget.
        const found = await gw.findRefund({
          paymentIntentId: input.paymentIntentId,
          idempotencyKey: input.idempotencyKey,
        });
        if (found) return { ...found, existing: true };
        const created = await gw.createRefund({
          paymentIntentId: input.paymentIntentId,
          amountCents: input.amountCents,
          idempotencyKey: input.idempotencyKey,
          metadata: { idempotency_key: input.idempotencyKey, case_id: input.caseId },
        });
        return { ...created, existing: false };
      });
    },

    /** Credits a customer's Stripe balance once per key (a negative balance transaction is money owed to them). */
    async creditCustomerBalance(
      input: CreditCustomerBalanceInput,
    ): Promise<BalanceCreditRecord & { existing: boolean }> {
      checkInput(input);
      if (!/^[a-zA-Z]{3}$/.test(input.currency))
        throw ApplicationFailure.nonRetryable('currency must be a 3-letter code', MONEY_FAILURE.invalidInput);
      return permanentAsFailure(async () => {
        const found = await gw.findBalanceCredit({
          customerId: input.customerId,
          idempotencyKey: input.idempotencyKey,
        });
        if (found) return { ...found, existing: true };
        const created = await gw.createBalanceCredit({
          customerId: input.customerId,
          creditCents: input.amountCents,
          currency: input.currency.toLowerCase(),
          description: input.description,
          idempotencyKey: input.idempotencyKey,
          metadata: { idempotency_key: input.idempotencyKey, case_id: input.caseId },
        });
        return { ...created, existing: false };
      });
    },
  };
}
