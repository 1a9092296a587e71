// An incident's update reaches every linked customer exactly once across a real crash: the worker
// process is killed (SIGKILL) while the fan-out and the cases' e-mails are under way; a second
// worker process takes over.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { CaseView, IncidentView } from '../../workflows/contracts';
import { bearer, TEST_ENV } from '../helpers/cases';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';
import { eventually } from '../helpers/wait';
import { spawnWorkerProcess } from '../helpers/worker-process';

const AGENT = bearer('agent');
const ENGINEER = bearer('engineer');

describe('a worker process killed halfway through an incident update (dev server, SMTP peer)', function () {
  this.timeout(200_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  const workers: ChildProcess[] = [];
  const taskQueue = uniqueTaskQueue('inc-crash');

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
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close(), slack?.close(), pagerDuty?.close()]);
  });

  const startWorker = (extra: Record<string, string> = {}): ChildProcess => {
    const child = spawnWorkerProcess({
      env,
      taskQueue,
      peers: {
        smtpUrl: inbox.url,
        stripeUrl: stripe.url,
        slackApiUrl: slack.apiUrl,
        pagerDutyEventsUrl: pagerDuty.eventsUrl,
      },
      extraEnv: extra,
    });
    workers.push(child);
    return child;
  };

  it('50 linked customers get the update exactly once', async () => {
    const app: Express = createApp({
      client: env.client,
      policy: DEFAULT_POLICY,
      log: () => undefined,
      config: loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: taskQueue }),
    });
    // One activity at a time, so the kill lands while e-mails are still going out.
    const first = startWorker({ WORKER_MAX_CONCURRENT_ACTIVITIES: '1' });
    const caseIds: string[] = [];
    for (let i = 0; i < 50; i += 10)
      caseIds.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async (_, k) => {
            const res = await request(app)
              .post('/cases')
              .set(AGENT)
              .send({
                channel: 'email',
                customer: { name: `Customer ${i + k}`, email: `crash${i + k}@example.com` },
                subject: 'Video lesson keeps dropping',
                description: 'The video lesson disconnects every minute.',
              })
              .expect(201);
            return (res.body as CaseView).caseId;
          }),
        )),
      );
    const opened = await request(app)
      .post('/incidents')
      .set(ENGINEER)
      .send({ title: 'Video sessions drop', severity: 'P1', area: { component: 'video' }, cases: caseIds })
      .expect(201);
    const incidentId = (opened.body as IncidentView).incidentId;
    const view = async (caseId: string) =>
      (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
    await eventually(
      async () => ((await Promise.all(caseIds.map(view))).every((v) => v.incidents?.length) ? true : undefined),
      'every case linked',
      90_000,
    );

    const notices = () =>
      inbox
        .messages()
        .filter((m) => caseIds.includes(m.headers['x-case-id']) && m.headers['x-template-id'] === 'escalation_notice');
    await request(app)
      .post(`/incidents/${incidentId}/updates`)
      .set(ENGINEER)
      .send({ text: 'Our video provider has an outage; we are switching to the backup.' })
      .expect(200);
    await eventually(() => (notices().length >= 3 ? true : undefined), 'the first notices', 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = notices().length;
    console.log(`      killed the worker with ${atKill} of 50 notices delivered`);

    startWorker();
    await eventually(() => (notices().length >= 50 ? true : undefined), '50 notices', 120_000);
    const done = await eventually(
      async () => {
        const v = (await request(app).get(`/incidents/${incidentId}`).set(AGENT).expect(200)).body as IncidentView;
        return v.updates[0]?.notified === 50 ? v : undefined;
      },
      'the incident counts 50 customers told',
      60_000,
    );
    assert.equal(done.updates.length, 1);
    await new Promise((r) => setTimeout(r, 2_000)); // anything duplicated would have arrived by now
    for (const id of caseIds)
      assert.equal(notices().filter((m) => m.headers['x-case-id'] === id).length, 1, `${id}: told exactly once`);
    assert.equal(notices().length, 50);
  });
});
