// Money exactly once across a real crash: the worker process is killed (SIGKILL) while Stripe has
// made the refund but not yet answered; a second worker process takes over the case.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import type { CaseView } from '../../workflows/contracts';
import { bearer, TEST_ENV } from '../helpers/cases';
import { eventually } from '../helpers/wait';
import { spawnWorkerProcess } from '../helpers/worker-process';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';

const LEAD = bearer('lead');
const MANAGER = bearer('manager');

describe('a worker process killed in the middle of a refund (dev server, Stripe peer)', function () {
  this.timeout(150_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  const workers: ChildProcess[] = [];
  const taskQueue = uniqueTaskQueue('crash');

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

  const startWorker = (): ChildProcess => {
    const child = spawnWorkerProcess({
      env,
      taskQueue,
      peers: {
        smtpUrl: inbox.url,
        stripeUrl: stripe.url,
        slackApiUrl: slack.apiUrl,
        pagerDutyEventsUrl: pagerDuty.eventsUrl,
      },
    });
    workers.push(child);
    return child;
  };
  it('leaves exactly one refund and one credit at Stripe, and the customer is told once', async () => {
    const app: Express = createApp({
      client: env.client,
      policy: DEFAULT_POLICY,
      log: () => undefined,
      config: loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: taskQueue }),
    });
    const first = startWorker();
    const opened = await request(app)
      .post('/cases')
      .set(LEAD)
      .send({
        channel: 'email',
        category: 'payment',
        customer: { name: 'Ada Lovelace', email: 'ada@example.com', stripeCustomerId: 'cus_demo_ada' },
        subject: 'Charged twice',
        description: 'I was charged twice for one package.',
        paymentIntentId: 'pi_demo_paid',
      })
      .expect(201);
    const caseId = opened.body.caseId as string;
    const view = async () => (await request(app).get(`/cases/${caseId}`).set(LEAD).expect(200)).body as CaseView;
    await eventually(async () => ((await view()).payment ? true : undefined), 'the payment lookup', 90_000);

    // Stripe makes the refund, but the answer never reaches the worker: then the worker dies.
    stripe.holdNext('POST', '/v1/refunds');
    // $45 refund + $5 credit = $50: a Support Lead proposes, a Support Manager approves (nobody approves their own).
    const proposed = await request(app)
      .post(`/cases/${caseId}/compensation`)
      .set(LEAD)
      .send({ guideline: 'payment_error' })
      .expect(200);
    const c1 = (proposed.body as CaseView).compensations![0];
    await request(app)
      .post(`/approvals/${c1.approval!.approvalId}/decision`)
      .set(MANAGER)
      .send({ decision: 'approve', amountCents: c1.totalCents })
      .expect(200);
    await eventually(() => (stripe.refunds().length === 1 ? true : undefined), 'the refund at Stripe', 90_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    assert.equal(stripe.balanceTransactions('cus_demo_ada').length, 0, 'the credit waits for the refund');

    startWorker();
    const done = await eventually(
      async () => {
        const v = await view();
        return v.compensations?.[0]?.status === 'applied' ? v : undefined;
      },
      'the compensation to be applied',
      90_000,
    );
    assert.equal(stripe.refunds().length, 1, 'exactly one refund');
    assert.equal(stripe.count('POST', '/v1/refunds'), 1);
    assert.equal(stripe.balanceTransactions('cus_demo_ada').length, 1, 'exactly one credit');
    assert.equal(stripe.balanceTransactions('cus_demo_ada')[0].amount, -500);
    assert.equal(done.compensations![0].refund?.id, stripe.refunds()[0].id, 'the case shows the refund Stripe holds');
    const mail = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'compensation_offered',
      20_000,
    );
    assert.match(mail.text, /Refund of \$45\.00/);
    assert.equal(
      inbox
        .messages()
        .filter((m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'compensation_offered')
        .length,
      1,
    );
  });
});
