// A case worker as its own process (`node dist/src/worker-main.js`), so a test can kill it with
// SIGKILL the way a machine dies, against the test's Temporal server and protocol peers.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TEST_ENV } from '../../dev/fixtures';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Starts a worker process on `taskQueue`; the caller kills it (or it exits with the test server). */
export function spawnWorkerProcess(opts: {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  peers: { smtpUrl: string; stripeUrl: string; slackApiUrl: string; pagerDutyEventsUrl: string };
  extraEnv?: Record<string, string>;
}): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'dist/src/worker-main.js')], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      ...TEST_ENV,
      TEMPORAL_ADDRESS: opts.env.address,
      TEMPORAL_TASK_QUEUE: opts.taskQueue,
      SMTP_URL: opts.peers.smtpUrl,
      STRIPE_API_BASE: opts.peers.stripeUrl,
      SLACK_BOT_TOKEN: 'xoxb-worker-process-test',
      SLACK_API_URL: opts.peers.slackApiUrl,
      PAGERDUTY_ROUTING_KEY: 'worker-process-test',
      PAGERDUTY_EVENTS_URL: opts.peers.pagerDutyEventsUrl,
      WORKER_METRICS_ADDRESS: '',
      ...opts.extraEnv,
    },
  });
}
