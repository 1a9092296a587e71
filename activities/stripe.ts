import { ApplicationFailure } from '@temporalio/activity';

/** What the payment lookup returns; never card numbers. */
export interface PaymentLookup {
  found: boolean;
  status?: string;
  succeeded?: boolean;
  amountCents?: number;
  currency?: string;
  chargeId?: string;
  amountRefundedCents?: number;
  declineCode?: string;
  declineMessage?: string;
}

/** The narrow slice of Stripe the case activities need; src/integrations/stripe-gateway.ts implements it. */
export interface StripeGateway {
  lookupPayment(paymentIntentId: string): Promise<PaymentLookup>;
  /** True when the customer's e-mail and one of their cards' last 4 digits match. */
  identityMatches(q: { customerId?: string; email: string; claimedEmail: string; last4: string }): Promise<boolean>;
}

export function stripeActivities(stripe: StripeGateway) {
  return {
    /** Looks the case's payment up in Stripe: status, decline reason, whether it actually succeeded. */
    async lookupPayment(input: { paymentIntentId: string }): Promise<PaymentLookup> {
      return stripe.lookupPayment(input.paymentIntentId);
    },
    /** Checks identity evidence against the Stripe customer; only the verdict leaves this activity. */
    async verifyCustomerIdentity(input: {
      customerId?: string;
      email: string;
      claimedEmail: string;
      last4: string;
    }): Promise<{ verified: boolean }> {
      if (!/^\d{4}$/.test(input.last4))
        throw ApplicationFailure.nonRetryable('last4 must be 4 digits', 'InvalidEvidence');
      return { verified: await stripe.identityMatches(input) };
    },
  };
}
