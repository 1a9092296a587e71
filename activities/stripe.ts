import { ApplicationFailure } from '@temporalio/activity';
import { evidenceKey, evidenceMatches } from '../src/security/identity-evidence';

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
  /**
   * The last 4 digits of the cards of the Stripe customer (by id, else by e-mail) whose e-mail is
   * `email`; none when there is no such customer.
   */
  cardLast4s(q: { customerId?: string; email: string }): Promise<string[]>;
}

export function stripeActivities(stripe: StripeGateway, approvalSigningSecret: string) {
  const key = evidenceKey(approvalSigningSecret);
  return {
    /** Looks the case's payment up in Stripe: status, decline reason, whether it actually succeeded. */
    async lookupPayment(input: { paymentIntentId: string }): Promise<PaymentLookup> {
      return stripe.lookupPayment(input.paymentIntentId);
    },
    /**
     * Checks identity evidence against the Stripe customer; only the verdict leaves this activity.
     * New cases send the evidence sealed by the API (`sealed`); histories recorded before sealing
     * replay with the evidence in clear (`claimedEmail`, `last4`).
     */
    async verifyCustomerIdentity(input: {
      customerId?: string;
      email: string;
      sealed?: string;
      claimedEmail?: string;
      last4?: string;
    }): Promise<{ verified: boolean }> {
      const last4s = await stripe.cardLast4s({ customerId: input.customerId, email: input.email });
      if (input.sealed !== undefined) {
        if (!/^[0-9a-f]{64}$/.test(input.sealed))
          throw ApplicationFailure.nonRetryable('sealed evidence must be a hex digest', 'InvalidEvidence');
        return { verified: evidenceMatches(key, input.sealed, input.email, last4s) };
      }
      if (!input.last4 || !/^\d{4}$/.test(input.last4))
        throw ApplicationFailure.nonRetryable('last4 must be 4 digits', 'InvalidEvidence');
      const sameEmail = input.claimedEmail?.trim().toLowerCase() === input.email.trim().toLowerCase();
      return { verified: sameEmail && last4s.includes(input.last4) };
    },
  };
}
