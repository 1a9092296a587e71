// The worker and the API as separate processes (npm run worker, npm run api) against one Temporal
// server: how production runs them, and how they scale out.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import { bearer, TEST_ENV } from '../helpers/cases';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('worker and API as separate processes', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  before(async () => {
    [env, inbox, stripe, slack, pagerDuty] = await Promise.all([
      createDevServerEnv(),
      startSmtpInbox(),
      startStripeStandin({ seedDemoData: true }),
      startSlackStandin(),
      startPagerDutyStandin(),
    ]);
  });
  after(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) {
              resolve();
              return;
            }
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close(), slack?.close(), pagerDuty?.close()]);
  });

  it('completes a case through an API process and a worker process, and both shut down on SIGTERM', async () => {
    const [apiPort, metricsPort] = await Promise.all([freePort(), freePort()]);
    const childEnv = {
      PATH: process.env.PATH,
      ...TEST_ENV,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('procs'),
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      SMTP_URL: inbox.url,
      STRIPE_API_BASE: stripe.url,
      SLACK_BOT_TOKEN: 'xoxb-processes-test',
      SLACK_API_URL: slack.apiUrl,
      PAGERDUTY_ROUTING_KEY: 'processes-test',
      PAGERDUTY_EVENTS_URL: pagerDuty.eventsUrl,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      CSAT_SURVEY_DELAY_MINUTES: '0',
    };
    for (const script of ['dist/src/worker-main.js', 'dist/src/server.js']) {
      const child = spawn(process.execPath, [path.join(ROOT, script)], {
        cwd: ROOT,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
      children.push(child);
    }
    const api = `http://127.0.0.1:${apiPort}`;
    const headers = { ...bearer('agent'), 'Content-Type': 'application/json' };
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${api}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const opened = await fetch(`${api}/cases`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        channel: 'email',
        customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
        subject: 'Cannot log in',
        description: "I can't log in.",
      }),
    });
    assert.equal(opened.status, 201, output.join(''));
    const { caseId } = (await opened.json()) as { caseId: string };
    const resolved = await fetch(`${api}/cases/${caseId}/resolve`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        actionTaken: 'reset your password',
        expectedResult: 'you can log in',
        specificAction: 'logging in',
      }),
    });
    assert.equal(resolved.status, 200);
    const survey = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'csat_survey',
      20_000,
    );
    const link = /(http:\/\/127\.0\.0\.1:\d+\/csat\/[A-Za-z0-9_.-]+)/.exec(survey.text)![1];
    const rated = await fetch(link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rating: 5 }),
    });
    assert.equal(rated.status, 200);
    const view = (await (await fetch(`${api}/cases/${caseId}`, { headers })).json()) as { status: string };
    assert.equal(view.status, 'closed');

    const apiMetrics = await (await fetch(`${api}/metrics`)).text();
    assert.match(
      apiMetrics,
      /support_api_request_duration_seconds_count\{method="POST",route="\/cases",status="201"\} 1/,
    );
    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(workerMetrics, /temporal_workflow_task_execution_latency/);

    const logs = output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(logs.length > 0, 'processes log JSON lines');
    assert.ok(!output.join('').includes('ada@example.com'), 'no customer e-mail address in any log line');
    const exits = children.map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
    for (const c of children) c.kill('SIGTERM');
    assert.deepEqual(await Promise.all(exits), [0, 0]);
  });
});
