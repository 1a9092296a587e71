// Building blocks for cases in tests, benchmarks and recordings: inputs, actors, and a worker
// whose activities talk to real protocol peers (the stand-ins in dev/standins/).
import { casePolicyOf } from '../src/policy/incidents';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { MoneyGateway } from '../activities/compensation';
import type { PagerDutyGateway } from '../activities/pagerduty';
import type { SlackGateway } from '../activities/slack';
import { DEMO_SLACK_APPROVERS, DEMO_TOKENS } from '../src/config';
import { signApprovalDecision } from '../src/security/approval-signature';
import { evidenceKey, sealEvidence } from '../src/security/identity-evidence';
import { surveyLink } from '../src/security/csat-token';
import { createSmtpMailer } from '../src/integrations/mailer';
import { createPagerDutyGateway } from '../src/integrations/pagerduty-client';
import { createSlackClient, createSlackGateway } from '../src/integrations/slack-client';
import { createStripeClient, createStripeGateway } from '../src/integrations/stripe-gateway';
import { createStripeMoneyGateway } from '../src/integrations/stripe-money';
import { createFileArchiveStore } from '../src/integrations/archive-store';
import { DEFAULT_POLICY } from '../src/policy/default-policy';
import type { Actor, ApprovalDecisionInput, CaseInput } from '../workflows/contracts';
import type { PagerDutyStandin } from './standins/pagerduty-standin';
import type { SlackStandin } from './standins/slack-standin';
import type { SmtpInbox } from './standins/smtp-inbox';
import type { StripeStandin } from './standins/stripe-standin';
import { quietRuntime, workflowBundle } from './temporal-servers';

/** The secret tests sign survey links with. */
export const TEST_CSAT_SECRET = 'test-csat-secret-0123456789abcdef0123456789';
/** The secret the test worker verifies approval decisions with (APPROVAL_SIGNING_SECRET of an API in tests). */
export const TEST_APPROVAL_SECRET = 'test-approval-secret-0123456789abcdef01234567';

/** Identity evidence as the API seals it before it enters an Update (with the test secret). */
export function sealed(email: string, last4: string): { sealed: string } {
  return { sealed: sealEvidence(evidenceKey(TEST_APPROVAL_SECRET), { email, last4 }) };
}

/**
 * A decision as the product signs it: the actor is the approver, valid for 5 minutes (or until
 * `expiresAt`); `secret` and `amountCents` let a test forge one.
 */
export function signed(
  input: ApprovalDecisionInput,
  opts: { secret?: string; expiresAt?: string; amountCents?: number } = {},
): ApprovalDecisionInput {
  const expiresAt = opts.expiresAt ?? new Date(Date.now() + 5 * 60_000).toISOString();
  const claim = {
    approvalId: input.approvalId,
    decision: input.decision,
    amountCents: opts.amountCents ?? input.amountCents,
    approver: { id: input.actor.id, name: input.actor.name, role: input.actor.role },
    expiresAt,
  };
  return { ...input, expiresAt, signature: signApprovalDecision(opts.secret ?? TEST_APPROVAL_SECRET, claim) };
}

/**
 * Bearer tokens of the tests: the demo tokens' staff (same names and roles), under tokens long
 * enough for API_TOKENS. Tests run outside development mode, so the demo tokens do not work there.
 */
export const TEST_TOKENS = {
  agent: 'test-token-demo-agent',
  agent2: 'test-token-demo-agent-2',
  lead: 'test-token-demo-lead',
  manager: 'test-token-demo-manager',
  director: 'test-token-demo-director',
  engineer: 'test-token-demo-engineer',
  intake: 'test-token-demo-intake',
  admin: 'test-token-demo-admin',
  deployer: 'test-token-demo-deployer',
} as const;

/** The Authorization header of a test token's holder. */
export const bearer = (who: keyof typeof TEST_TOKENS) => ({ Authorization: `Bearer ${TEST_TOKENS[who]}` });

/** API_TOKENS of the tests: each TEST_TOKENS entry mapped to the demo token's staff member of the same name. */
export const TEST_API_TOKENS = JSON.stringify(
  Object.fromEntries(Object.values(TEST_TOKENS).map((t) => [t, DEMO_TOKENS[t.replace(/^test-token-/, '')]])),
);

/**
 * Everything loadConfig requires outside development mode, with the tests' values; a test adds its
 * own keys (task queue, peers) over it.
 */
export const TEST_ENV = {
  NODE_ENV: 'test',
  API_TOKENS: TEST_API_TOKENS,
  CSAT_SIGNING_SECRET: TEST_CSAT_SECRET,
  STRIPE_WEBHOOK_SECRET: 'whsec_test_only_0123456789abcdef',
  SLACK_SIGNING_SECRET: 'test-only-slack-signing-secret-0123456789',
  APPROVAL_SIGNING_SECRET: TEST_APPROVAL_SECRET,
  SLACK_APPROVERS: JSON.stringify(DEMO_SLACK_APPROVERS),
  // Tests open many alike cases in minutes: only the incident tests want them to look like an outage.
  INCIDENT_BURST_DETECTION: 'off',
} as const;

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
    policy: casePolicyOf(DEFAULT_POLICY), // what the API pins (no incident rules)
    ...overrides,
  };
}

/** A fresh archive directory (ARCHIVE_DIR) under the system's temp dir, for a test worker and its API. */
export const tempArchiveDir = (): string => mkdtempSync(path.join(tmpdir(), 'case-archive-'));

/**
 * A worker on the environment whose activities talk to the SMTP and Stripe peers; case trails are
 * archived in `archiveDir` (a fresh temp dir unless given).
 */
export async function caseWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  peers: {
    inbox: SmtpInbox;
    stripe: StripeStandin;
    slack?: SlackStandin;
    pagerDuty?: PagerDutyStandin;
    money?: MoneyGateway;
    dataConverter?: DataConverter;
    archiveDir?: string;
  },
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
      csatLink: (caseId, surveyId) =>
        surveyLink({ publicBaseUrl: 'http://127.0.0.1:3999', csatSecret: TEST_CSAT_SECRET }, caseId, surveyId),
      ...escalationDeps(peers),
      ...compensationDeps(peers),
      temporal: env.client, // reports read visibility
      archive: createFileArchiveStore(peers.archiveDir ?? tempArchiveDir()),
    }),
  });
}

/** Slack and PagerDuty token and routing key the peers in tests accept. */
export const TEST_SLACK_TOKEN = 'xoxb-test-escalations';
export const TEST_PAGERDUTY_ROUTING_KEY = 'R0TESTROUTINGKEY00000000000000000';

// A test without a Slack or PagerDuty peer gets a gateway that refuses at once (non-retryable),
// so an escalation in it is recorded as failed instead of retrying for an hour.
const absent = (what: string) => () =>
  Promise.reject(ApplicationFailure.nonRetryable(`${what} has no peer in this test`, 'NotConfigured'));

function escalationDeps(peers: { slack?: SlackStandin; pagerDuty?: PagerDutyStandin }) {
  const slack: SlackGateway = peers.slack
    ? createSlackGateway(createSlackClient({ token: TEST_SLACK_TOKEN, slackApiUrl: peers.slack.apiUrl }))
    : { postMessage: absent('Slack'), userIdByEmail: absent('Slack') };
  const pagerDuty: PagerDutyGateway = peers.pagerDuty
    ? createPagerDutyGateway({ routingKey: TEST_PAGERDUTY_ROUTING_KEY, eventsUrl: peers.pagerDuty.eventsUrl })
    : { enqueue: absent('PagerDuty') };
  return {
    slack,
    pagerDuty,
    slackOptions: { escalationsChannel: '#support-escalations', caseLinkBase: 'http://127.0.0.1:3999/cases' },
  };
}

/** The approvals channel in tests. */
export const TEST_APPROVALS_CHANNEL = '#support-approvals';

/** Refunds and credits against the Stripe peer (or the test's own gateway, e.g. one that dies mid-refund). */
function compensationDeps(peers: { stripe: StripeStandin; money?: MoneyGateway }) {
  const money =
    peers.money ??
    createStripeMoneyGateway(createStripeClient({ secretKey: 'sk_test_standin', apiBase: peers.stripe.url }));
  return { money, approvalsChannel: TEST_APPROVALS_CHANNEL, approvalSigningSecret: TEST_APPROVAL_SECRET };
}
