import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import type { PeriodFigures } from '../../src/metrics/figures';
import type { LiveFigures, TopIssue } from '../../src/metrics/visibility';
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

  const open = async (channel: string, subject: string, description: string): Promise<string> =>
    (
      await request(app)
        .post('/cases')
        .set(AGENT)
        .send({ channel, customer: { name: 'Ada', email: 'ada@example.com' }, subject, description })
        .expect(201)
    ).body.caseId as string;
  const resolve = (id: string) =>
    request(app)
      .post(`/cases/${id}/resolve`)
      .set(AGENT)
      .send({ actionTaken: 'fixed it', expectedResult: 'it works', specificAction: 'again' })
      .expect(200);

  async function workCase(subject: string, description: string, rating: number, replies: number): Promise<string> {
    const id = await open('email', subject, description);
    for (let i = 0; i < replies; i++)
      await request(app)
        .post(`/cases/${id}/reply`)
        .set(AGENT)
        .send({ message: `reply ${i}` })
        .expect(200);
    await resolve(id);
    const survey = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === id && m.headers['x-template-id'] === 'csat_survey',
    );
    const link = /http:\/\/127\.0\.0\.1:3999(\/csat\/[A-Za-z0-9_.-]+)/.exec(survey.text)![1];
    await request(app).post(link).send({ rating }).expect(200);
    return id;
  }

  async function until<T>(get: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
    let last = await get();
    for (let i = 0; i < 100 && !ok(last); i++) {
      await new Promise((r) => setTimeout(r, 200));
      last = await get();
    }
    return last;
  }

  let from = '';
  it('counts every case opened in the period, any status, the resolved and closed ones, and the live figures', async () => {
    from = new Date(Date.now() - 60_000).toISOString();
    await workCase('Cannot log in', "I can't log in to my account.", 5, 1);
    await workCase('My payment failed', 'My payment failed at checkout.', 4, 1);
    await workCase('Payment failed again', 'My payment failed twice, card declined.', 2, 3);
    // Still open: a chat nobody answered, an account case waiting for the customer, one resolved and not rated.
    const chat = await open('chat', 'Tutor did not show up', 'The tutor never joined the lesson.');
    const waiting = await open('email', 'Account locked', 'My account is locked.');
    await request(app).post(`/cases/${waiting}/verification-request`).set(AGENT).send({}).expect(200);
    const unrated = await open('email', 'Refund please', 'Please refund the session, I was charged twice.');
    await resolve(unrated);
    await inbox.waitFor((m) => m.headers['x-case-id'] === unrated && m.headers['x-template-id'] === 'csat_survey');

    const to = new Date(Date.now() + 60_000).toISOString();
    type Summary = PeriodFigures & { topIssues: TopIssue[] };
    const summary = await until(
      async () =>
        (await request(app).get('/metrics/summary').query({ from, to }).set(AGENT).expect(200)).body as Summary,
      (s) => s.tickets.opened.total === 6 && s.tickets.closed.total === 3 && s.tickets.resolved.total === 4,
    );
    assert.equal(summary.tickets.opened.total, 6);
    assert.deepEqual(summary.tickets.opened.byChannel, { email: 5, chat: 1, in_app: 0 });
    assert.equal(
      Object.values(summary.tickets.opened.byCategory).reduce((a, b) => a + b, 0),
      6,
    );
    assert.deepEqual(summary.tickets.openedStillOpen.byStatus, { new: 1, open: 0, awaiting_customer: 1, resolved: 1 });
    assert.equal(summary.tickets.resolved.total, 4);
    assert.equal(summary.tickets.closed.total, 3);
    const m = Object.fromEntries(summary.targets.map((x) => [x.id, x]));
    assert.deepEqual([m.csat.value, m.csat.met, m.csat.over], [66.7, false, 3]);
    assert.deepEqual(summary.csat.distribution, { '1': 0, '2': 1, '3': 0, '4': 1, '5': 1 });
    assert.deepEqual([summary.csat.surveysSent, summary.csat.responseRatePercent], [3, 100]);
    assert.deepEqual([m.first_contact_resolution.value, m.first_contact_resolution.over], [66.7, 3]);
    assert.deepEqual([m.escalation_rate.value, m.escalation_rate.met, m.escalation_rate.over], [0, true, 6]);
    // Replied or resolved: five of six got a person's first response, the chat none yet.
    assert.deepEqual([m.first_response_time.met, m.first_response_time.over], [true, 5]);
    assert.equal(summary.firstResponse.byChannel.find((c) => c.channel === 'chat')?.notYetAnswered, 1);
    assert.equal(summary.firstResponse.byChannel.find((c) => c.channel === 'chat')?.time, 'business');
    assert.equal(summary.resolution.first.cases, 4);
    assert.equal(summary.resolution.first.withinTargetPercent, 100);
    const issues = Object.fromEntries(summary.topIssues.map((i) => [i.key, i.cases]));
    assert.equal(issues['payment-failed'], 2);
    assert.equal(summary.topIssues.reduce((n, i) => n + i.cases, 0) >= 6, true, 'no case vanishes from the top issues');
    await request(app).get('/metrics/summary').query({ from: 'yesterday' }).set(AGENT).expect(400);

    const live = await until(
      async () => (await request(app).get('/metrics/live').set(AGENT).expect(200)).body as LiveFigures,
      (l) => l.open.total >= 3,
    );
    // The dev server is this file's own: what is open is what this test opened.
    assert.deepEqual(live.open.byStatus, { new: 1, open: 0, awaiting_customer: 1, resolved: 1 });
    assert.equal(live.oldestOpenByChannel.chat?.caseId, chat);
    assert.equal(live.oldestOpenByChannel.in_app, null);
    assert.equal(live.oldestOpenByChannel.email?.caseId, waiting);
    assert.equal(live.openEscalationsBySeverity.P1, 0);
    assert.equal(live.incidents.open, 0);
    await request(app).get('/metrics/live').query({ x: '1' }).set(AGENT).expect(400);
  });

  it('builds the weekly report, e-mails it with its charts inline and uploads a chart to Slack', async () => {
    const week = isoWeekOf(Date.now(), policy.timeZone);
    const report = (await env.client.workflow.execute(weeklyReportWorkflow, {
      workflowId: `weekly-report-test-${week}`,
      taskQueue,
      args: [{ policy, slackChannel: '#support-reports', week }],
    })) as WeeklyReport;
    assert.equal(report.week, week);
    assert.equal(report.figures.tickets.opened.total, 6);
    const posted = await slack.waitFor((m) => m.channel === '#support-reports');
    assert.match(posted.text ?? '', new RegExp(`EduStream Support weekly report ${week}`));
    assert.match(posted.text ?? '', /Tickets opened: 6 \(3 still open/);
    assert.match(posted.text ?? '', /MISSED Customer Satisfaction \(CSAT\): 66\.7%/);
    const file = await slack.waitForFile((f) => f.channel === '#support-reports' && /first-response/.test(f.filename));
    assert.deepEqual([...file.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
    assert.ok(file.bytes.length > 5_000, 'a real chart, not an empty image');
    assert.equal(slack.files.filter((f) => f.channel === '#support-reports').length, 3);

    const mail = await inbox.waitFor((m) => m.headers['x-notice'] === 'weekly_report');
    assert.deepEqual(mail.to, ['support-lead@edustream.com']);
    assert.equal(mail.subject, `EduStream Support weekly report ${week}`);
    assert.match(mail.text, /Top issues:\n {2}My payment failed: 2/);
    const images = (mail.attachments ?? []).filter((a) => a.contentType === 'image/png' && a.cid);
    assert.equal(images.length, 3);
    for (const img of images) assert.ok(mail.html?.includes(`cid:${img.cid}`), `the HTML shows ${img.cid} inline`);

    const viaApi = (await request(app).get('/reports/weekly').query({ week }).set(AGENT).expect(200))
      .body as WeeklyReport;
    assert.equal(viaApi.figures.tickets.opened.total, 6);
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
