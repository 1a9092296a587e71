// Builds the activities' real dependencies from config; only worker processes call this.
import type { ActivityDeps } from '../activities';
import { ConfigError, type Config } from './config';
import { createSmtpMailer } from './integrations/mailer';
import { createPagerDutyGateway } from './integrations/pagerduty-client';
import { createSlackClient, createSlackGateway } from './integrations/slack-client';
import { createStripeClient, createStripeGateway } from './integrations/stripe-gateway';
import { createStripeMoneyGateway } from './integrations/stripe-money';
import { createFileArchiveStore } from './integrations/archive-store';
import { surveyLink } from './security/csat-token';

/** The worker's activity dependencies, built from config; fails naming the first missing integration setting. */
export function buildActivityDeps(config: Config): ActivityDeps & { close(): void } {
  if (!config.smtpUrl)
    throw new ConfigError('SMTP_URL: required for the worker (npm start sets it to the local inbox when unset)');
  if (!config.stripe.secretKey && !config.stripe.apiBase) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY: required for the worker (npm start runs a local Stripe stand-in when unset)',
    );
  }
  if (!config.slack.botToken)
    throw new ConfigError(
      'SLACK_BOT_TOKEN: required for the worker (npm start runs a local Slack stand-in when unset)',
    );
  if (!config.pagerDuty.routingKey)
    throw new ConfigError(
      'PAGERDUTY_ROUTING_KEY: required for the worker (npm start runs a local PagerDuty stand-in when unset)',
    );
  if (!config.archiveDir)
    throw new ConfigError('ARCHIVE_DIR: required for the worker in production (where case audit trails are archived)');
  const slack = createSlackGateway(
    createSlackClient({ token: config.slack.botToken, slackApiUrl: config.slack.apiUrl }),
  );
  const pagerDuty = createPagerDutyGateway({
    routingKey: config.pagerDuty.routingKey,
    eventsUrl: config.pagerDuty.eventsUrl,
  });
  const slackOptions = {
    escalationsChannel: config.slack.escalationsChannel,
    caseLinkBase: `${config.publicBaseUrl}/cases`,
  };
  const mailer = createSmtpMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const stripe = createStripeGateway(
    createStripeClient({ secretKey: config.stripe.secretKey ?? 'sk_test_standin', apiBase: config.stripe.apiBase }),
  );
  return {
    mailer,
    stripe,
    slack,
    slackOptions,
    pagerDuty,
    money: createStripeMoneyGateway(
      createStripeClient({ secretKey: config.stripe.secretKey ?? 'sk_test_standin', apiBase: config.stripe.apiBase }),
    ),
    approvalsChannel: config.compensation.approvalsChannel,
    approvalSigningSecret: config.approvalSigningSecret,
    csatLink: (caseId, surveyId) => surveyLink(config, caseId, surveyId),
    archive: createFileArchiveStore(config.archiveDir),
    close: () => mailer.close(),
  };
}
