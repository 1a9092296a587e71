// Building blocks for case tests: inputs, actors, and a worker wired to real protocol peers.
import type { DataConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { surveyLink } from '../../src/api/app';
import { createSmtpMailer } from '../../src/integrations/mailer';
import { createStripeClient, createStripeGateway } from '../../src/integrations/stripe-gateway';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import type { Actor, CaseInput } from '../../workflows/contracts';
import { createDevServerEnv, createTimeSkippingEnv, quietRuntime, uniqueTaskQueue, workflowBundle } from './temporal';
// ---- escalation (issue 3) ----
import { ApplicationFailure } from '@temporalio/common';
import type { PagerDutyGateway } from '../../activities/pagerduty';
import type { SlackGateway } from '../../activities/slack';
import { createPagerDutyGateway } from '../../src/integrations/pagerduty-client';
import { createSlackClient, createSlackGateway } from '../../src/integrations/slack-client';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';
// ---- compensation (issue 4) ----
import type { MoneyGateway } from '../../activities/compensation';
import { createStripeMoneyGateway } from '../../src/integrations/stripe-money';


/** The secret tests sign survey links with. */
export const TEST_CSAT_SECRET = 'test-csat-secret-0123456789abcdef0123456789';

/** An agent as the API would pass it. */
export const agent: Actor = { id: 'alex-agent', name: 'Alex Agent', role: 'agent' };

let n = 0;
/** A fresh case input; override what the test is about. */
export function caseInput(overrides: Partial<CaseInput> = {}): CaseInput {
  n++;
  return {
    caseId: `ES-TEST${process.pid}X${n}`.toUpperCase().replace(/[^A-Z0-9-]/g, ''),
    channel: 'email',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', stripeCustomerId: 'cus_demo_ada' },
    subject: 'Cannot log in',
    description: "I can't log in since yesterday, the password reset mail never arrives.",
    openedBy: { id: 'intake-bot', name: 'Intake Bot', role: 'intake' },
    settings: { adminBaseUrl: 'https://admin.example.test', publicBaseUrl: 'http://127.0.0.1:3999' },
    policy: DEFAULT_POLICY,
    ...overrides,
  };
}

/** A worker on the environment whose activities talk to the SMTP and Stripe peers. */
export async function caseWorker(
  env: TestWorkflowEnvironment, taskQueue: string,
  peers: { inbox: SmtpInbox; stripe: StripeStandin; slack?: SlackStandin; pagerDuty?: PagerDutyStandin; money?: MoneyGateway; dataConverter?: DataConverter },
): Promise<Worker> {
  quietRuntime();
  const mailer = createSmtpMailer({ smtpUrl: peers.inbox.url, from: 'EduStream Support <support@edustream.com>' });
  return Worker.create({
    dataConverter: peers.dataConverter,
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      mailer,
      stripe: createStripeGateway(createStripeClient({ secretKey: 'sk_test_standin', apiBase: peers.stripe.url })),
      csatLink: (caseId, surveyId) => surveyLink({ publicBaseUrl: 'http://127.0.0.1:3999', csatSecret: TEST_CSAT_SECRET }, caseId, surveyId),
      ...escalationDeps(peers),
      ...compensationDeps(peers),
      temporal: env.client, // reports read visibility (issue 5)
    }),
  });
}

// ---- escalation (issue 3) ----
/** Slack and PagerDuty token and routing key the peers in tests accept. */
export const TEST_SLACK_TOKEN = 'xoxb-test-escalations';
export const TEST_PAGERDUTY_ROUTING_KEY = 'R0TESTROUTINGKEY00000000000000000';

// A test without a Slack or PagerDuty peer gets a gateway that refuses at once (non-retryable),
// so an escalation in it is recorded as failed instead of retrying for an hour.
const absent = (what: string) => () => Promise.reject(ApplicationFailure.nonRetryable(`${what} has no peer in this test`, 'NotConfigured'));

function escalationDeps(peers: { slack?: SlackStandin; pagerDuty?: PagerDutyStandin }) {
  const slack: SlackGateway = peers.slack
    ? createSlackGateway(createSlackClient({ token: TEST_SLACK_TOKEN, slackApiUrl: peers.slack.apiUrl }))
    : { postMessage: absent('Slack'), userIdByEmail: absent('Slack') };
  const pagerDuty: PagerDutyGateway = peers.pagerDuty
    ? createPagerDutyGateway({ routingKey: TEST_PAGERDUTY_ROUTING_KEY, eventsUrl: peers.pagerDuty.eventsUrl })
    : { enqueue: absent('PagerDuty') };
  return { slack, pagerDuty, slackOptions: { escalationsChannel: '#support-escalations', caseLinkBase: 'http://127.0.0.1:3999/cases' } };
}

// ---- compensation (issue 4) ----
/** The approvals channel in tests. */
export const TEST_APPROVALS_CHANNEL = '#support-approvals';

/** Refunds and credits against the Stripe peer (or the test's own gateway, e.g. one that dies mid-refund). */
function compensationDeps(peers: { stripe: StripeStandin; money?: MoneyGateway }) {
  const money = peers.money ?? createStripeMoneyGateway(createStripeClient({ secretKey: 'sk_test_standin', apiBase: peers.stripe.url }));
  return { money, approvalsChannel: TEST_APPROVALS_CHANNEL };
}

// ---- one rig per test file ----
/** A Temporal server, the protocol peers a case talks to, and a running case worker. */
export interface CaseRig {
  env: TestWorkflowEnvironment;
  inbox: SmtpInbox;
  stripe: StripeStandin;
  slack?: SlackStandin;
  pagerDuty?: PagerDutyStandin;
  taskQueue: string;
  /** Stops the worker, then the server and the peers. */
  stop(): Promise<void>;
}

/** Starts a rig: the dev server (updates, visibility) or the time-skipping server (clocks). */
export async function startCaseRig(opts: {
  server: 'dev' | 'time-skipping'; prefix: string; slack?: boolean; pagerDuty?: boolean; dataConverter?: DataConverter;
}): Promise<CaseRig> {
  const [env, inbox, stripe, slack, pagerDuty] = await Promise.all([
    opts.server === 'dev' ? createDevServerEnv() : createTimeSkippingEnv(),
    startSmtpInbox(),
    startStripeStandin({ seedDemoData: true }),
    opts.slack ? startSlackStandin({ token: TEST_SLACK_TOKEN }) : undefined,
    opts.pagerDuty ? startPagerDutyStandin() : undefined,
  ]);
  const taskQueue = uniqueTaskQueue(opts.prefix);
  const worker = await caseWorker(env, taskQueue, { inbox, stripe, slack, pagerDuty, dataConverter: opts.dataConverter });
  const running = worker.run();
  return {
    env, inbox, stripe, slack, pagerDuty, taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([env.teardown(), inbox.close(), stripe.close(), slack?.close(), pagerDuty?.close()]);
    },
  };
}
