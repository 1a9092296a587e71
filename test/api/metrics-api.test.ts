import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import type { MetricsSummary } from '../../src/metrics/summary';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { SupportPolicy } from '../../src/policy/types';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import { isoWeekOf, type WeeklyReport } from '../../src/metrics/weekly-report';
import { ensureWeeklyReportSchedule } from '../../src/schedules';
import { weeklyReportWorkflow } from '../../workflows';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';

const policy: SupportPolicy = { ...DEFAULT_POLICY, csat: { surveyDelayMinutes: 0, responseWindowMinutes: 60 } };
const AGENT = bearer('agent');

describe("metrics summary from closed cases' own facts (dev server)", function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let slack: SlackStandin;
  let taskQueue: string;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'metrics', slack: true });
    ({ env, inbox, taskQueue } = rig);
    slack = rig.slack!;
    const config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    app = createApp({ client: env.client, config, policy, log: () => undefined });
  });
  after(() => rig?.stop());

  async function workCase(subject: string, description: string, rating: number, replies: number): Promise<string> {
    const opened = await request(app)
      .post('/cases')
      .set(AGENT)
      .send({ channel: 'email', customer: { name: 'Ada', email: 'ada@example.com' }, subject, description })
      .expect(201);
    const id = opened.body.caseId as string;
    for (let i = 0; i < replies; i++)
      await request(app)
        .post(`/cases/${id}/reply`)
        .set(AGENT)
        .send({ message: `reply ${i}` })
        .expect(200);
    await request(app)
      .post(`/cases/${id}/resolve`)
      .set(AGENT)
      .send({ actionTaken: 'fixed it', expectedResult: 'it works', specificAction: 'again' })
      .expect(200);
    const survey = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === id && m.headers['x-template-id'] === 'csat_survey',
    );
    const link = /http:\/\/127\.0\.0\.1:3999(\/csat\/[A-Za-z0-9_.-]+)/.exec(survey.text)![1];
    await request(app).post(link).send({ rating }).expect(200);
    return id;
  }

  it("reports the period's cases, CSAT, first-contact resolution and top issues against the seed targets", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    await workCase('Cannot log in', "I can't log in to my account.", 5, 1);
    await workCase('My payment failed', 'My payment failed at checkout.', 4, 1);
    await workCase('Payment failed again', 'My payment failed twice, card declined.', 2, 3);
    let summary: MetricsSummary | undefined;
    for (let i = 0; i < 50; i++) {
      summary = (
        await request(app)
          .get('/metrics/summary')
          .query({ from, to: new Date(Date.now() + 60_000).toISOString() })
          .set(AGENT)
          .expect(200)
      ).body as MetricsSummary;
      if (summary.cases === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(summary?.cases, 3);
    const m = Object.fromEntries(summary!.metrics.map((x) => [x.id, x]));
    assert.deepEqual([m.csat.value, m.csat.met], [66.7, false]);
    assert.deepEqual([m.first_contact_resolution.value, m.first_contact_resolution.met], [66.7, false]);
    assert.deepEqual([m.escalation_rate.value, m.escalation_rate.met], [0, true]);
    assert.equal(m.first_response_time.met, true);
    assert.deepEqual(summary!.byCategory, { account: 1, payment: 2 });
    assert.deepEqual(summary!.topIssues[0], { issue: 'payment-failed', cases: 2 });
    await request(app).get('/metrics/summary').query({ from: 'yesterday' }).set(AGENT).expect(400);
  });

  it('builds the weekly report of a seeded week, posts it to Slack and e-mails it to the Support Lead', async () => {
    const week = isoWeekOf(Date.now(), policy.timeZone);
    const report = await env.client.workflow.execute(weeklyReportWorkflow, {
      workflowId: `weekly-report-test-${week}`,
      taskQueue,
      args: [{ policy, slackChannel: '#support-reports', week }],
    });
    assert.equal(report.week, week);
    assert.equal(report.summary.cases, 3);
    const posted = await slack.waitFor((m) => m.channel === '#support-reports');
    assert.match(posted.text ?? '', new RegExp(`EduStream Support weekly report ${week}`));
    assert.match(posted.text ?? '', /Total tickets closed: 3\n {2}payment: 2\n {2}account: 1/);
    assert.match(posted.text ?? '', /MISSED Customer Satisfaction \(CSAT\): 66\.7%/);
    const mail = await inbox.waitFor((m) => m.headers['x-notice'] === 'weekly_report');
    assert.deepEqual(mail.to, ['support-lead@edustream.com']);
    assert.equal(mail.subject, `EduStream Support weekly report ${week}`);
    assert.match(mail.text, /Top issues:\n {2}payment-failed: 2/);

    const viaApi = (await request(app).get('/reports/weekly').query({ week }).set(AGENT).expect(200))
      .body as WeeklyReport;
    assert.equal(viaApi.text, report.text);
    await request(app).get('/reports/weekly').query({ week: '2026-W99' }).set(AGENT).expect(400);
  });

  it('creates the weekly report schedule once, however often start-up runs', async () => {
    const config = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: taskQueue });
    const first = await ensureWeeklyReportSchedule(env.client, config, policy, 'weekly-report-schedule-test');
    const second = await ensureWeeklyReportSchedule(env.client, config, policy, 'weekly-report-schedule-test');
    assert.deepEqual([first.outcome, second.outcome], ['created', 'updated']);
    const ids: string[] = [];
    for await (const sch of env.client.schedule.list()) ids.push(sch.scheduleId);
    assert.equal(ids.filter((id) => id === 'weekly-report-schedule-test').length, 1);
    const desc = await env.client.schedule.getHandle('weekly-report-schedule-test').describe();
    assert.deepEqual(desc.spec.calendars?.[0]?.dayOfWeek, [{ start: 'MONDAY', end: 'MONDAY', step: 1 }]);
    assert.equal(desc.spec.timezone, 'America/New_York');
    assert.equal(desc.policies.overlap, 'SKIP');
  });
});
