// Building blocks for case tests: the shared fixtures (dev/fixtures.ts) and one rig per test file.
import type { WorkflowHandle } from '@temporalio/client';
import type { DataConverter, UpdateDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { caseWorker, TEST_SLACK_TOKEN } from '../../dev/fixtures';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import { caseViewQuery, type CaseView } from '../../workflows/contracts';
import { createDevServerEnv, createTimeSkippingEnv, uniqueTaskQueue } from './temporal';

export {
  agent,
  bearer,
  caseInput,
  caseWorker,
  TEST_API_TOKENS,
  signed,
  TEST_APPROVAL_SECRET,
  TEST_APPROVALS_CHANNEL,
  TEST_CSAT_SECRET,
  TEST_ENV,
  TEST_TOKENS,
  TEST_PAGERDUTY_ROUTING_KEY,
  TEST_SLACK_TOKEN,
} from '../../dev/fixtures';

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
  server: 'dev' | 'time-skipping';
  prefix: string;
  slack?: boolean;
  pagerDuty?: boolean;
  dataConverter?: DataConverter;
}): Promise<CaseRig> {
  const [env, inbox, stripe, slack, pagerDuty] = await Promise.all([
    opts.server === 'dev' ? createDevServerEnv() : createTimeSkippingEnv(),
    startSmtpInbox(),
    startStripeStandin({ seedDemoData: true }),
    opts.slack ? startSlackStandin({ token: TEST_SLACK_TOKEN }) : undefined,
    opts.pagerDuty ? startPagerDutyStandin() : undefined,
  ]);
  const taskQueue = uniqueTaskQueue(opts.prefix);
  const worker = await caseWorker(env, taskQueue, {
    inbox,
    stripe,
    slack,
    pagerDuty,
    dataConverter: opts.dataConverter,
  });
  const running = worker.run();
  return {
    env,
    inbox,
    stripe,
    slack,
    pagerDuty,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([env.teardown(), inbox.close(), stripe.close(), slack?.close(), pagerDuty?.close()]);
    },
  };
}

/**
 * Runs an agent action and answers with the case view as the case's query reads it right after,
 * as the HTTP API does: an action's Update answers with a small result, not the view.
 */
export async function act<I>(
  handle: WorkflowHandle,
  def: UpdateDefinition<unknown, [I]>,
  input: I,
  opts: { updateId?: string } = {},
): Promise<CaseView> {
  await handle.executeUpdate(def, { args: [input], ...opts });
  return handle.query(caseViewQuery);
}
