// Building blocks for case tests: inputs, actors, and a worker wired to real protocol peers.
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { surveyLink } from '../../src/api/app';
import { createSmtpMailer } from '../../src/integrations/mailer';
import { createStripeClient, createStripeGateway } from '../../src/integrations/stripe-gateway';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { SmtpInbox } from '../../src/standins/smtp-inbox';
import type { StripeStandin } from '../../src/standins/stripe-standin';
import type { Actor, CaseInput } from '../../workflows/shared';
import { quietRuntime, workflowBundle } from './temporal';


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
export async function caseWorker(env: TestWorkflowEnvironment, taskQueue: string, peers: { inbox: SmtpInbox; stripe: StripeStandin }): Promise<Worker> {
  quietRuntime();
  const mailer = createSmtpMailer({ smtpUrl: peers.inbox.url, from: 'EduStream Support <support@edustream.com>' });
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      mailer,
      stripe: createStripeGateway(createStripeClient({ secretKey: 'sk_test_standin', apiBase: peers.stripe.url })),
      csatLink: (caseId, surveyId) => surveyLink({ publicBaseUrl: 'http://127.0.0.1:3999', csatSecret: TEST_CSAT_SECRET }, caseId, surveyId),
    }),
  });
}
