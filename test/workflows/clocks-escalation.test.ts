// SLA clocks and escalation ladders on the time-skipping server, observed at the real protocol
// peers: the SMTP inbox (customer and staff e-mail), the Slack Web API stand-in and the PagerDuty
// Events API stand-in. Each test moves the server's clock to the instant it needs.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { supportCaseWorkflow } from '../../workflows';
import {
  acknowledgeEscalationUpdate,
  addNoteUpdate,
  assignUpdate,
  policyChangedSignal,
  reopenUpdate,
  resolveUpdate,
  calendarChangedSignal,
  caseViewQuery,
  caseWorkflowId,
  customerReplySignal,
  escalateUpdate,
  replyUpdate,
  waitForCustomerUpdate,
  type Actor,
  type CaseInput,
  type CaseView,
} from '../../workflows/contracts';
import { act, agent, caseInput, startCaseRig, type CaseRig } from '../helpers/cases';
import { addDays, newYork, nextWorkingFriday, nyDate, nyWeekday, workday } from '../helpers/new-york';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const engineer: Actor = { id: 'erin-engineer', name: 'Erin Engineer', role: 'engineer' };
const businessHours = DEFAULT_POLICY.calendars.find((c) => c.id === 'business-hours')!;

/** Clocks are exact to the second; the case opens a few ms after the test's instant. */
function atSecond(actual: string | null | undefined, expectedMs: number, what: string): void {
  assert.ok(actual, `${what} is set`);
  assert.ok(
    Math.abs(Date.parse(actual) - expectedMs) < 1000,
    `${what}: ${actual}, expected ${new Date(expectedMs).toISOString()}`,
  );
}

const escalationFields = {
  title: 'Whole site down after deploy',
  affectedUsers: 'All students and tutors',
  issue: 'Every page answers 502 since 14:05.',
  stepsToReproduce: ['Open edustream.com', 'See the 502 page'],
  userImpact: 'Nobody can join a session.',
  whatTried: 'Checked status page, cleared cache, tried two networks.',
};

describe('SLA clocks and escalation ladders (time-skipping server)', function () {
  this.timeout(180_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;
  let taskQueue: string;

  before(async () => {
    rig = await startCaseRig({ server: 'time-skipping', prefix: 'clocks', slack: true, pagerDuty: true });
    ({ env, inbox, taskQueue } = rig);
    [slack, pagerDuty] = [rig.slack!, rig.pagerDuty!];
  });
  after(() => rig?.stop());

  async function open(
    overrides: Partial<CaseInput> = {},
  ): Promise<{ handle: WorkflowHandle<typeof supportCaseWorkflow>; input: CaseInput }> {
    const input = caseInput(overrides);
    const handle = await env.client.workflow.start(supportCaseWorkflow, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
    });
    return { handle, input };
  }
  /** Moves the server's clock forward to `atMs`. */
  async function sleepUntil(atMs: number): Promise<void> {
    const now = await env.currentTimeMs();
    assert.ok(atMs >= now, `cannot go back in time to ${new Date(atMs).toISOString()}`);
    if (atMs > now) await env.sleep(atMs - now);
  }
  const waitForView = async (
    handle: WorkflowHandle,
    pred: (v: CaseView) => boolean,
    what = 'the expected state',
  ): Promise<CaseView> => {
    let v: CaseView | undefined;
    for (let i = 0; i < 100; i++) {
      v = await handle.query(caseViewQuery);
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `case view never reached ${what}: ${JSON.stringify({ clocks: v?.clocks, escalations: v?.escalations, timeline: v?.timeline.slice(-5) })}`,
    );
  };
  const staffMail = (caseId: string, kind: string) =>
    inbox.messages().filter((m) => m.headers['x-case-id'] === caseId && m.headers['x-notice'] === kind);
  const waitStaffMail = (
    caseId: string,
    kind: string,
    pred: (m: { to: string[]; subject: string }) => boolean = () => true,
  ) => inbox.waitFor((m) => m.headers['x-case-id'] === caseId && m.headers['x-notice'] === kind && pred(m), 10_000);
  const triggers = (dedupKey: string) =>
    pagerDuty.events.filter((e) => e.dedupKey === dedupKey && e.action === 'trigger');
  const clock = (v: CaseView, id: string) => v.clocks?.find((c) => c.id === id);

  it('breaches a chat first response opened at 17:58 on a Friday at 09:03 on Monday, not at 18:03', async () => {
    const friday = nextWorkingFriday(await env.currentTimeMs());
    const monday = addDays(friday, 3);
    await sleepUntil(newYork(friday, '17:58'));
    const { handle, input } = await open({ channel: 'chat' });
    const opened = await waitForView(handle, (v) => clock(v, 'first_response') !== undefined);
    atSecond(clock(opened, 'first_response')?.deadline, newYork(monday, '09:03'), 'the deadline');
    assert.equal(clock(opened, 'first_response')?.calendarId, 'business-hours');

    await sleepUntil(newYork(friday, '18:10'));
    const friday1810 = await handle.query(caseViewQuery);
    assert.equal(clock(friday1810, 'first_response')?.state, 'running');
    assert.equal(staffMail(input.caseId, 'sla_breach').length, 0);

    await sleepUntil(newYork(monday, '09:05'));
    const breach = await waitStaffMail(input.caseId, 'sla_breach');
    assert.deepEqual(breach.to, ['support-lead@edustream.com']);
    assert.match(breach.subject, /SLA breached: First response \(Live Chat\)/);
    const v = await waitForView(
      handle,
      (x) => clock(x, 'first_response')?.state === 'breached',
      'a breached first response',
    );
    atSecond(clock(v, 'first_response')?.breachedAt, newYork(monday, '09:03'), 'the breach');
    assert.equal(v.sla?.customerFacingBreaches, 1);
    // The warning (one business minute ahead) came first, on Monday at 09:02.
    atSecond(clock(v, 'first_response')?.warnedAt, newYork(monday, '09:02'), 'the warning');
    assert.equal(staffMail(input.caseId, 'sla_warning').length, 1);
  });

  it('pages PagerDuty, then on-call after 15 minutes, then the CTO after 15 more, each exactly once', async () => {
    const { handle, input } = await open({
      subject: 'Site is down',
      description: 'Complete service outage: nothing loads.',
    });
    const escalated = await act(handle, escalateUpdate, { actor: agent, severity: 'P0', ...escalationFields });
    const esc = escalated.escalations![0];
    assert.equal(esc.id, 'esc-1');
    const key = (k: number) => `case-${input.caseId}:esc-1:rung-${k}`;

    const first = await pagerDuty.waitFor((e) => e.dedupKey === key(1));
    assert.equal(first.payload?.severity, 'critical');
    const post = await slack.waitFor(
      (m) =>
        m.channel === '#support-escalations' &&
        (m.text ?? '').includes(input.caseId) &&
        (m.text ?? '').startsWith('🚨 ESCALATION'),
    );
    assert.match(post.text ?? '', /\*Severity\*: P0/);
    const notice = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === input.caseId && m.headers['x-template-id'] === 'escalation_notice',
    );
    assert.match(notice.text, new RegExp(`Reference number: ${input.caseId}`));
    assert.match(notice.text, /You can expect an update within 15 minutes, by /);

    await env.sleep('14 minutes');
    assert.equal(triggers(key(2)).length, 0, 'on-call is not paged before 15 minutes');
    await env.sleep('1 minute');
    const second = await pagerDuty.waitFor((e) => e.dedupKey === key(2));
    assert.match(second.payload?.summary ?? '', /On-call/);

    await env.sleep('15 minutes');
    const cto = await waitStaffMail(input.caseId, 'escalation_rung');
    assert.deepEqual(cto.to, ['cto@edustream.com']);
    await env.sleep('2 hours');
    const v = await waitForView(handle, (x) => x.escalations?.[0].rungs.every((r) => r.state === 'notified') ?? false);
    assert.deepEqual(
      v.escalations![0].rungs.map((r) => [r.k, r.via, r.target, r.state]),
      [
        [1, 'pagerduty', 'PagerDuty', 'notified'],
        [2, 'pagerduty', 'On-call', 'notified'],
        [3, 'email', 'CTO', 'notified'],
      ],
    );
    assert.equal(triggers(key(1)).length, 1);
    assert.equal(triggers(key(2)).length, 1);
    assert.equal(triggers(key(3)).length, 0);
    assert.equal(staffMail(input.caseId, 'escalation_rung').length, 1);
    assert.equal(v.severity, 'P0');
    assert.equal(clock(v, 'engineering_response:esc-1')?.state, 'breached');
  });

  it('names the escalation an Update created or acknowledged in its small result', async () => {
    const { handle } = await open();
    const escalated = await handle.executeUpdate(escalateUpdate, {
      args: [{ actor: agent, severity: 'P0', ...escalationFields }],
    });
    assert.ok(JSON.stringify(escalated).length < 2048, `${JSON.stringify(escalated).length} bytes`);
    assert.deepEqual(escalated.produced, { escalationId: 'esc-1' });
    const acked = await handle.executeUpdate(acknowledgeEscalationUpdate, {
      args: [{ actor: engineer, escalationId: 'esc-1' }],
    });
    assert.deepEqual(acked.produced, { escalationId: 'esc-1' });
    assert.ok(acked.version > escalated.version, 'the view version grows');
    const view = await handle.query(caseViewQuery);
    assert.equal(view.escalations?.[0].state, 'acknowledged');
    assert.equal(acked.status, view.status);
    assert.equal(acked.caseId, view.caseId);
  });

  it('stops the P0 ladder before the CTO when on-call acknowledges, and acknowledges the PagerDuty incidents', async () => {
    const { handle, input } = await open({
      subject: 'Payments down',
      description: 'Payment system failure for everyone.',
    });
    await handle.executeUpdate(escalateUpdate, { args: [{ actor: agent, severity: 'P0', ...escalationFields }] });
    const key = (k: number) => `case-${input.caseId}:esc-1:rung-${k}`;
    await env.sleep('16 minutes');
    await pagerDuty.waitFor((e) => e.dedupKey === key(2));
    const acked = await act(handle, acknowledgeEscalationUpdate, { actor: engineer, escalationId: 'esc-1' });
    assert.equal(acked.escalations![0].state, 'acknowledged');
    assert.equal(acked.escalations![0].acknowledged?.by, 'Erin Engineer');
    await pagerDuty.waitFor((e) => e.dedupKey === key(1) && e.action === 'acknowledge');
    await pagerDuty.waitFor((e) => e.dedupKey === key(2) && e.action === 'acknowledge');
    await env.sleep('1 hour');
    const v = await handle.query(caseViewQuery);
    assert.equal(v.escalations![0].rungs.length, 2);
    assert.equal(staffMail(input.caseId, 'escalation_rung').length, 0, 'the CTO was never e-mailed');
    assert.equal(
      clock(v, 'engineering_response:esc-1')?.state,
      'breached',
      'acknowledged after 16 minutes: the 15-minute target was missed',
    );
    assert.ok(clock(v, 'engineering_response:esc-1')?.metAt);
  });

  it('does not breach while the case waits three days for the customer, and resumes the clock on the reply', async () => {
    const { handle, input } = await open();
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Which browser do you use?' }] });
    await env.sleep('2 hours');
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    const paused = await handle.query(caseViewQuery);
    assert.equal(clock(paused, 'resolution')?.state, 'paused');
    assert.equal(clock(paused, 'resolution')?.deadline, null);
    assert.equal(clock(paused, 'first_response')?.state, 'met');

    await env.sleep('3 days');
    const waiting = await handle.query(caseViewQuery);
    assert.equal(clock(waiting, 'resolution')?.state, 'paused');
    assert.equal(staffMail(input.caseId, 'sla_breach').length, 0);

    await handle.signal(customerReplySignal, { message: 'Firefox 128.' });
    const resumed = await waitForView(handle, (v) => clock(v, 'resolution')?.state === 'running');
    const res = clock(resumed, 'resolution')!;
    assert.equal(res.pauses.length, 1);
    assert.ok(res.pauses[0].to);
    const pausedMs = Date.parse(res.pauses[0].to!) - Date.parse(res.pauses[0].from);
    assert.ok(pausedMs >= 3 * DAY);
    assert.equal(Date.parse(res.deadline!), Date.parse(res.startedAt) + DAY + pausedMs);
    assert.ok(res.remainingMs > 21 * HOUR && res.remainingMs <= 22 * HOUR, `remaining ${res.remainingMs}`);

    await env.sleep('23 hours');
    await waitStaffMail(input.caseId, 'sla_breach', (m) => /Resolution/.test(m.subject));
  });

  it('warns once before the breach', async () => {
    const { handle, input } = await open();
    await env.sleep('19 hours');
    assert.equal(staffMail(input.caseId, 'sla_warning').length, 0);
    await env.sleep('1 hour');
    await waitStaffMail(input.caseId, 'sla_warning', (m) => /First response/.test(m.subject));
    await waitStaffMail(input.caseId, 'sla_warning', (m) => /Resolution/.test(m.subject));
    await env.sleep('5 hours');
    await waitStaffMail(input.caseId, 'sla_breach', (m) => /First response/.test(m.subject));
    await waitStaffMail(input.caseId, 'sla_breach', (m) => /Resolution/.test(m.subject));
    assert.equal(staffMail(input.caseId, 'sla_warning').length, 2, 'one warning per clock');
    const v = await handle.query(caseViewQuery);
    assert.equal(v.sla?.warnings, 2);
    atSecond(
      clock(v, 'first_response')?.warnedAt,
      Date.parse(clock(v, 'first_response')!.startedAt) + (24 * 60 - 288) * MINUTE,
      'the warning',
    );
  });

  it('moves a running deadline when the calendar changes', async () => {
    let day = nyDate((await env.currentTimeMs()) + DAY);
    while (!(workday(day) && workday(addDays(day, 1)) && nyWeekday(day) <= 4)) day = addDays(day, 1);
    await sleepUntil(newYork(day, '10:00'));
    const { handle } = await open({ channel: 'chat' });
    const before = await waitForView(handle, (v) => clock(v, 'first_response') !== undefined);
    atSecond(clock(before, 'first_response')?.deadline, newYork(day, '10:05'), 'the deadline');

    // Ops close the support desk for the day (an unplanned holiday): the chat clock moves to the next morning.
    await handle.signal(calendarChangedSignal, {
      calendar: { ...businessHours, holidays: [...businessHours.holidays, day] },
      by: 'ops',
    });
    const after = await waitForView(handle, (v) => v.timeline.some((t) => t.action === 'calendar_changed'));
    atSecond(clock(after, 'first_response')?.deadline, newYork(addDays(day, 1), '09:05'), 'the moved deadline');
    await env.sleep('10 minutes');
    assert.equal(clock(await handle.query(caseViewQuery), 'first_response')?.state, 'running');
  });

  it('re-plans a running deadline when the policy changes, keeping the pause history', async () => {
    const { handle } = await open();
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Looking into it.' }] });
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    await env.sleep('1 hour');
    await handle.signal(customerReplySignal, { message: 'Here is the screenshot.' });
    const before = await waitForView(handle, (v) => clock(v, 'resolution')?.state === 'running');
    const res = clock(before, 'resolution')!;
    const policy = { ...DEFAULT_POLICY, version: '2026-02-01', resolutionTargetMinutes: 48 * 60 };
    await handle.signal(policyChangedSignal, { policy, by: 'ops' });
    const after = await waitForView(handle, (v) => v.timeline.some((t) => t.action === 'policy_changed'));
    const moved = clock(after, 'resolution')!;
    assert.equal(moved.targetMinutes, 48 * 60);
    assert.deepEqual(moved.pauses, res.pauses);
    assert.equal(Date.parse(moved.deadline!) - Date.parse(res.deadline!), DAY);
    assert.equal(after.sla?.policyVersion, '2026-02-01');
    assert.equal(clock(after, 'first_response')?.targetMinutes, 24 * 60, 'a met clock keeps the target it was held to');
  });

  it('escalates a case reopened more often than the policy allows, once', async () => {
    const { handle } = await open();
    const resolveNow = () =>
      handle.executeUpdate(resolveUpdate, {
        args: [{ actor: agent, actionTaken: 'reset it', expectedResult: 'it works', specificAction: 'trying again' }],
      });
    for (let i = 1; i <= 4; i++) {
      await resolveNow();
      const v = await act(handle, reopenUpdate, { actor: agent, reason: `broken again (${i})` });
      assert.equal(
        v.escalations?.length ?? 0,
        i <= DEFAULT_POLICY.reopen.maxReopensBeforeEscalation ? 0 : 1,
        `after reopen ${i}`,
      );
    }
    const v = await handle.query(caseViewQuery);
    assert.deepEqual(
      v.escalations?.map((e) => [e.source, e.severity]),
      [['reopens', 'P3']],
    );
    assert.ok(clock(v, 'resolution:reopen-4'), 'each reopen starts a new resolution clock');
  });

  it('reminds the assigned agent when the promised update time passes without one, not when the customer heard from us', async () => {
    const { handle, input } = await open();
    await handle.executeUpdate(assignUpdate, {
      args: [{ actor: agent, assignee: { id: agent.id, name: agent.name } }],
    });
    await handle.executeUpdate(escalateUpdate, { args: [{ actor: agent, severity: 'P1', ...escalationFields }] });
    const other = await open();
    await other.handle.executeUpdate(escalateUpdate, { args: [{ actor: agent, severity: 'P1', ...escalationFields }] });
    await other.handle.executeUpdate(replyUpdate, {
      args: [{ actor: agent, message: 'Engineering is on it; I will write again within the hour.' }],
    });
    await env.sleep('59 minutes');
    const reminder = (caseId: string) =>
      slack.messages.filter(
        (m) => (m.text ?? '').startsWith('@Alex Agent Reminder: case') && (m.text ?? '').includes(caseId),
      );
    assert.equal(reminder(input.caseId).length, 0);
    await env.sleep('2 minutes');
    await slack.waitFor((m) => (m.text ?? '').includes(`Reminder: case ${input.caseId}`));
    const v = await waitForView(handle, (x) => x.timeline.some((t) => t.action === 'follow_up_due'));
    assert.ok(v.escalations![0].followUp.remindedAt);
    assert.equal(
      slack.messages.filter((m) => (m.text ?? '').includes(`Reminder: case ${other.input.caseId}`)).length,
      0,
    );
  });

  it('keeps deadlines, pauses and a pending escalation across continue-as-new', async () => {
    const { handle, input } = await open({ settings: { ...caseInput().settings, continueAsNewAfterEvents: 60 } });
    const firstRun = (await handle.describe()).runId;
    await handle.executeUpdate(escalateUpdate, { args: [{ actor: agent, severity: 'P1', ...escalationFields }] });
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Escalated, we are on it.' }] });
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    const before = await handle.query(caseViewQuery);
    const following = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
    let runId = firstRun;
    for (let i = 0; i < 40 && runId === firstRun; i++) {
      await following.executeUpdate(addNoteUpdate, { args: [{ actor: agent, text: `note ${i}` }] });
      runId = (await following.describe()).runId;
    }
    assert.notEqual(runId, firstRun, 'the case continued as new');
    const after = await following.query(caseViewQuery);
    for (const id of ['first_response', 'resolution', 'engineering_response:esc-1']) {
      const [b, a] = [clock(before, id)!, clock(after, id)!];
      assert.deepEqual([a.state, a.deadline, a.pauses, a.startedAt], [b.state, b.deadline, b.pauses, b.startedAt], id);
    }
    assert.equal(clock(after, 'resolution')?.state, 'paused');
    assert.deepEqual(
      after.escalations?.map((e) => [e.id, e.state, e.rungs.length]),
      [['esc-1', 'open', 1]],
    );

    // The P1 ladder goes on in the new run: the Slack rung's 30 minutes, the On-call's PagerDuty
    // page and its 15 minutes (each rung waits its channel's time), then the Engineering Lead.
    await env.sleep('61 minutes');
    const lead = await waitStaffMail(input.caseId, 'escalation_rung');
    assert.deepEqual(lead.to, ['eng-lead@edustream.com']);
    assert.equal(triggers(`case-${input.caseId}:esc-1:rung-2`).length, 1, 'the On-call was paged once');
    await env.sleep('2 hours');
    assert.equal(staffMail(input.caseId, 'escalation_rung').length, 1);
  });
});
