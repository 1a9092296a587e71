import Stripe from 'stripe';
import type { PaymentLookup, StripeGateway } from '../../activities/stripe';

/** A Stripe client for the real API, or for a stand-in at apiBase (http://127.0.0.1:PORT). */
export function createStripeClient(opts: { secretKey: string; apiBase?: string }): Stripe {
  const config: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 10_000 };
  if (opts.apiBase) {
    const u = new URL(opts.apiBase);
    Object.assign(config, {
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      protocol: u.protocol.replace(':', ''),
    });
  }
  return new Stripe(opts.secretKey, config);
}

const isMissing = (err: unknown) =>
  err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing';

/** The case activities' view of Stripe. */
export function createStripeGateway(stripe: Stripe): StripeGateway {
  return {
    async lookupPayment(paymentIntentId): Promise<PaymentLookup> {
      let pi: Stripe.PaymentIntent;
      try {
        pi = await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
      } catch (err) {
        if (isMissing(err)) return { found: false };
        throw err;
      }
      const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
      const error = pi.last_payment_error;
      return {
        found: true,
        status: pi.status,
        // "Check if payment actually succeeded (webhook delay)": the charge is the truth, not our booking state.
        succeeded: pi.status === 'succeeded' || charge?.paid === true,
        amountCents: pi.amount,
        currency: pi.currency,
        ...(charge ? { chargeId: charge.id, amountRefundedCents: charge.amount_refunded } : {}),
        ...(error?.decline_code || error?.code
          ? { declineCode: error.decline_code ?? error.code }
          : charge?.failure_code
            ? { declineCode: charge.failure_code }
            : {}),
        ...(error?.message
          ? { declineMessage: error.message }
          : charge?.failure_message
            ? { declineMessage: charge.failure_message }
            : {}),
      };
    },

    async cardLast4s({ customerId, email }) {
      let customer: Stripe.Customer | undefined;
      if (customerId) {
        try {
          const c = await stripe.customers.retrieve(customerId);
          if (!c.deleted) customer = c;
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      } else {
        customer = (await stripe.customers.list({ email, limit: 1 })).data[0];
      }
      if (!customer || customer.email?.trim().toLowerCase() !== email.trim().toLowerCase()) return [];
      const methods = await stripe.paymentMethods.list({ customer: customer.id, type: 'card', limit: 100 });
      return methods.data.flatMap((m) => (m.card?.last4 ? [m.card.last4] : []));
    },
  };
}
