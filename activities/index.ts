import { emailActivities, type Mailer } from './email';
import { stripeActivities, type StripeGateway } from './stripe';
import { pagerDutyActivities, type PagerDutyGateway } from './pagerduty';
import { slackActivities, type SlackActivitiesOptions, type SlackGateway } from './slack';
import { staffEmailActivities } from './staff-email';
import { approvalActivities } from './approvals';
import { compensationActivities, type MoneyGateway } from './compensation';
import type { Client } from '@temporalio/client';
import { reportActivities } from './reports';
import { incidentActivities } from './incidents';
import { archiveActivities, type ArchiveWriter } from './archive';
import { deploymentsSince } from '../src/integrations/deployments-log';

/** What the activities need; the worker builds real clients from config, tests pass peers on loopback. */
export interface ActivityDeps {
  mailer: Mailer;
  stripe: StripeGateway;
  csatLink: (caseId: string, surveyId: string) => string;
  /** Slack for escalation posts and ladder mentions. */
  slack: SlackGateway;
  slackOptions: SlackActivitiesOptions;
  /** PagerDuty Events API v2 for P0 pages. */
  pagerDuty: PagerDutyGateway;
  /** Stripe refunds and customer balance credits. */
  money: MoneyGateway;
  /** Slack channel of approval requests (Approve/Reject buttons) and compensation notices. */
  approvalsChannel: string;
  /**
   * Verifies the product's signature on approval decisions (the API and `npm run approval-decision`
   * sign), and is the root of the key that seals identity evidence.
   */
  approvalSigningSecret: string;
  /** The worker process's Temporal client, for reports that read visibility and the deployments log. */
  temporal?: Client;
  /** Where the older part of each case's audit trail goes (ARCHIVE_DIR). */
  archive: ArchiveWriter;
}

export function createActivities(deps: ActivityDeps) {
  // The escalation post and page show the deploys of the last hours, read from the deployments log.
  const temporal = deps.temporal;
  const recent = temporal ? { deploymentsSince: (sinceMs: number) => deploymentsSince(temporal, sinceMs) } : {};
  return {
    ...emailActivities({ mailer: deps.mailer, csatLink: deps.csatLink }),
    ...stripeActivities(deps.stripe, deps.approvalSigningSecret),
    ...slackActivities(deps.slack, { ...recent, ...deps.slackOptions }),
    ...pagerDutyActivities(deps.pagerDuty, recent),
    ...staffEmailActivities({ mailer: deps.mailer }),
    ...compensationActivities(deps.money),
    ...approvalActivities({
      mailer: deps.mailer,
      slack: deps.slack,
      channel: deps.approvalsChannel,
      approvalSigningSecret: deps.approvalSigningSecret,
      caseLinkBase: deps.slackOptions.caseLinkBase,
    }),
    ...reportActivities({ temporal: deps.temporal, mailer: deps.mailer, slack: deps.slack }),
    ...incidentActivities({ temporal: deps.temporal, slack: deps.slack, slackOptions: deps.slackOptions }),
    ...archiveActivities({ archive: deps.archive }),
  };
}

/** The activity interface workflows proxy. */
export type Activities = ReturnType<typeof createActivities>;
