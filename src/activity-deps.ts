// Builds the activities' real dependencies from config; only worker processes call this.
import type { ActivityDeps } from '../activities';
import { surveyLink } from './api/app';
import { ConfigError, type Config } from './config';
import { createSmtpMailer } from './integrations/mailer';
import { createStripeClient, createStripeGateway } from './integrations/stripe-gateway';

export function buildActivityDeps(config: Config): ActivityDeps & { close(): void } {
  if (!config.smtpUrl) throw new ConfigError('SMTP_URL: required for the worker (npm start sets it to the local inbox when unset)');
  if (!config.stripe.secretKey && !config.stripe.apiBase) {
    throw new ConfigError('STRIPE_SECRET_KEY: required for the worker (npm start runs a local Stripe stand-in when unset)');
  }
  const mailer = createSmtpMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const stripe = createStripeGateway(createStripeClient({ secretKey: config.stripe.secretKey ?? 'sk_test_standin', apiBase: config.stripe.apiBase }));
  return {
    mailer, stripe,
    csatLink: (caseId, surveyId) => surveyLink(config, caseId, surveyId),
    close: () => mailer.close(),
  };
}
