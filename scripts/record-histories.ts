// Usage: npx tsc -p tsconfig.json && node dist/scripts/record-histories.js [name ...]
// Runs the case workflow's main paths on the time-skipping test server against the real protocol
// peers (SMTP inbox, Stripe stand-in) and writes each finished workflow's history as JSON into
// test/replay/histories/<name>.json. test/replay/replay.test.ts replays them against the current
// workflow code, so a change that would break determinism for running cases fails CI.
//
// Re-record only on purpose (a new path, or a change that is versioned with patched()); a
// recording made after an incompatible change hides exactly the breakage the replay test guards.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import {
  agent,
  caseInput,
  caseWorker,
  signed,
  TEST_APPROVAL_SECRET,
  sealed,
  TEST_CSAT_SECRET,
  TEST_SLACK_TOKEN,
} from '../dev/fixtures';
import { startPagerDutyStandin, type PagerDutyStandin } from '../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../dev/standins/slack-standin';
import { startSmtpInbox, type SmtpInbox } from '../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../dev/standins/stripe-standin';
import { createTimeSkippingEnv } from '../dev/temporal-servers';
import { verifySurveyToken } from '../src/security/csat-token';
import { DEFAULT_POLICY } from '../src/policy/default-policy';
import { incidentEscalationOf } from '../src/policy/incidents';
import { addDays, newYork, nextWorkingFriday } from '../test/helpers/new-york';
import { historyToJSONObject, type History } from '../test/replay/history-json';
import {
  acknowledgeEscalationUpdate,
  addNoteUpdate,
  approvalDecisionSignal,
  assignUpdate,
  caseViewQuery,
  caseWorkflowId,
  closeUpdate,
  completeStepUpdate,
  customerReplySignal,
  decideApprovalUpdate,
  escalateUpdate,
  FailureType,
  flagEscalationTriggerUpdate,
  proposeCompensationUpdate,
  rateUpdate,
  reopenUpdate,
  replyUpdate,
  requestVerificationUpdate,
  resolveEscalationUpdate,
  resolveUpdate,
  setCategoryUpdate,
  acknowledgeIncidentUpdate,
  addIncidentNoteUpdate,
  incidentNoticeSignal,
  INCIDENT_WORKFLOW_TYPE,
  incidentWorkflowId,
  linkIncidentCasesUpdate,
  postIncidentUpdateUpdate,
  resolveIncidentUpdate,
  type IncidentInput,
  type IncidentView,
  type CaseInput,
  type CaseResult,
  type CaseView,
  CASE_WORKFLOW_TYPE,
  type SupportCaseWorkflow,
} from '../workflows/contracts';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT_DIR = path.join(ROOT, 'test', 'replay', 'histories');
/** Fixed, so re-recording produces comparable files (the test server is fresh on every run). */
const TASK_QUEUE = 'replay-recording';
/** Replaces the client's and worker's `pid@hostname` in history: no machine names in the repo. */
const IDENTITY = 'replay-recorder';

const resolution = {
  actionTaken: 'reset your password',
  expectedResult: 'you can log in again',
  specificAction: 'logging in with the new password',
};

type CaseHandle = WorkflowHandle<SupportCaseWorkflow>;

interface Ctx {
  env: TestWorkflowEnvironment;
  inbox: SmtpInbox;
  stripe: StripeStandin;
  slack: SlackStandin;
  pagerDuty: PagerDutyStandin;
}

/** One recorded path: drives a case to completion and checks it went the intended way. */
interface Path {
  name: string;
  /** Case id; fixed so the history (and workflow id) is the same on every recording. */
  caseId: string;
  input?: Partial<CaseInput>;
  /** Runs before the case opens (e.g. moves the test server's clock to the instant a path needs). */
  prepare?(ctx: Ctx): Promise<void>;
  drive(ctx: Ctx, handle: CaseHandle, input: CaseInput): Promise<void>;
  check(result: CaseResult): void;
  /** A path of another workflow type: starts it, drives it to completion and checks it; replaces drive/check. */
  run?(ctx: Ctx): Promise<WorkflowHandle>;
}

const mailFor = (ctx: Ctx, input: CaseInput, template: string) =>
  ctx.inbox.waitFor((m) => m.headers['x-case-id'] === input.caseId && m.headers['x-template-id'] === template, 30_000);

async function waitForView(handle: CaseHandle, pred: (v: CaseView) => boolean): Promise<CaseView> {
  for (let i = 0; i < 300; i++) {
    const v = await handle.query(caseViewQuery);
    if (pred(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('case view never reached the expected state');
}

/** Runs an action's Update and reads the case view after it (an action's Update answers with a small result). */
async function act<I>(handle: CaseHandle, def: UpdateDefinition<unknown, [I]>, input: I): Promise<CaseView> {
  await handle.executeUpdate(def, { args: [input] });
  return handle.query(caseViewQuery);
}

/** Asserts the update is refused (by its validator, so nothing of it lands in history) with the given failure type. */
async function refused(p: Promise<unknown>, type: string): Promise<void> {
  const err = await p.then(
    () => assert.fail('expected the update to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${String(err.cause)}`);
  assert.equal(err.cause.type, type);
}

const actions = (r: CaseResult) => r.view.timeline.map((t) => t.action);

const PATHS: Path[] = [
  {
    name: 'email-csat-rated',
    caseId: 'ES-REPLAYCSAT1',
    async drive(ctx, handle, input) {
      await handle.executeUpdate(replyUpdate, {
        args: [{ actor: agent, message: 'Could you tell me which browser you use?' }],
      });
      await mailFor(ctx, input, 'welcome');
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
      await mailFor(ctx, input, 'issue_resolved');
      await ctx.env.sleep('24 hours');
      const survey = await mailFor(ctx, input, 'csat_survey');
      const token = /\/csat\/([A-Za-z0-9_.-]+)/.exec(survey.text)?.[1];
      assert.ok(token, 'the survey e-mail carries a link');
      const claim = verifySurveyToken(TEST_CSAT_SECRET, token);
      assert.ok(claim, 'the survey link verifies with the test secret');
      assert.equal(claim.caseId, input.caseId);
      const rated = await handle.executeUpdate(rateUpdate, {
        args: [{ surveyId: claim.surveyId, rating: 5, comment: 'quick and kind' }],
      });
      assert.equal(rated.status, 'closed');
    },
    check(r) {
      assert.equal(r.view.csat?.rating, 5);
      assert.deepEqual(
        r.view.emails.map((e) => e.templateId),
        ['welcome', 'issue_resolved', 'csat_survey'],
      );
      assert.deepEqual(actions(r).slice(-3), ['rated', 'closed', 'archived']);
    },
  },
  {
    name: 'csat-window-expired',
    caseId: 'ES-REPLAYEXPIRE1',
    async drive(ctx, handle, input) {
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
      await mailFor(ctx, input, 'issue_resolved');
      // handle.result() lets the time-skipping server run the survey delay, the survey window and the reopen window.
    },
    check(r) {
      assert.equal(r.view.status, 'closed');
      assert.equal(r.view.csat?.rating, undefined);
      assert.ok(r.view.csat?.surveySentAt, 'the survey went out');
      assert.ok(
        r.view.timeline.some((t) => t.action === 'closed' && t.detail === 'no rating within the survey window'),
      );
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
  {
    name: 'reopened-then-closed',
    caseId: 'ES-REPLAYREOPEN1',
    async drive(ctx, handle) {
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
      await handle.executeUpdate(closeUpdate, { args: [{ actor: agent, reason: 'customer confirmed' }] });
      await ctx.env.sleep('13 days');
      const reopened = await handle.executeUpdate(reopenUpdate, {
        args: [{ actor: agent, reason: 'same problem again' }],
      });
      assert.equal(reopened.status, 'open');
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
      await handle.executeUpdate(closeUpdate, { args: [{ actor: agent }] });
    },
    check(r) {
      assert.equal(r.view.reopens, 1);
      assert.deepEqual(actions(r), ['opened', 'resolved', 'closed', 'reopened', 'resolved', 'closed', 'archived']);
    },
  },
  {
    name: 'payment-lookup-and-verification',
    caseId: 'ES-REPLAYPAY1',
    input: {
      subject: 'My payment failed',
      description: "My card payment was declined and now I can't log in to my account.",
      paymentIntentId: 'pi_demo_declined',
    },
    async drive(_ctx, handle) {
      const opened = await waitForView(handle, (v) => v.payment !== undefined);
      assert.equal(opened.category, 'payment');
      assert.equal(opened.payment?.declineCode, 'insufficient_funds');
      // The payment category has no identity step; the login problem makes it an account case, whose Tier 1 starts with one.
      const recategorized = await act(handle, setCategoryUpdate, { actor: agent, category: 'account' });
      assert.ok(recategorized.checklist.some((s) => s.id === 'verify-identity'));
      await handle.executeUpdate(requestVerificationUpdate, { args: [{ actor: agent }] });
      const wrong = await act(handle, completeStepUpdate, {
        actor: agent,
        stepId: 'verify-identity',
        evidence: sealed('ada@example.com', '0000'),
      });
      assert.equal(wrong.identity?.verified, false);
      const right = await act(handle, completeStepUpdate, {
        actor: agent,
        stepId: 'verify-identity',
        evidence: sealed('ADA@example.com', '4242'),
      });
      assert.equal(right.identity?.verified, true);
      await handle.signal(customerReplySignal, { message: 'Thanks, what happens with my payment?' });
      await waitForView(handle, (v) => v.status === 'open');
      await refused(handle.executeUpdate(closeUpdate, { args: [{ actor: agent }] }), FailureType.StatusForbids);
      await refused(
        handle.executeUpdate(completeStepUpdate, {
          args: [{ actor: agent, stepId: 'verify-identity', evidence: sealed('ada@example.com', '4242') }],
        }),
        FailureType.AlreadyDone,
      );
      await refused(
        handle.executeUpdate(rateUpdate, { args: [{ surveyId: 'ES-REPLAYPAY1:0', rating: 5 }] }),
        FailureType.StatusForbids,
      );
      await handle.executeUpdate(resolveUpdate, {
        args: [
          {
            actor: agent,
            actionTaken: 'checked the declined payment with you',
            expectedResult: 'you can pay with another card',
            specificAction: 'paying with a different card',
          },
        ],
      });
    },
    check(r) {
      assert.equal(r.view.payment?.found, true);
      assert.equal(r.view.identity?.verified, true);
      assert.deepEqual(
        actions(r).filter((a) => a.startsWith('identity_')),
        ['identity_not_verified', 'identity_verified'],
      );
      assert.ok(actions(r).includes('customer_replied'));
      assert.ok(!actions(r).includes('email_failed'));
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
  {
    name: 'in-app-self-service',
    caseId: 'ES-REPLAYINAPP1',
    input: { channel: 'in_app', subject: "I can't log in", description: 'Login keeps failing.' },
    async drive(ctx, handle, input) {
      await mailFor(ctx, input, 'self_service_answer');
      await handle.executeUpdate(assignUpdate, {
        args: [{ actor: agent, assignee: { id: agent.id, name: agent.name } }],
      });
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    },
    check(r) {
      assert.deepEqual(
        r.view.emails.map((e) => [e.templateId, e.status]),
        [
          ['self_service_answer', 'sent'],
          ['issue_resolved', 'sent'],
          ['csat_survey', 'sent'],
        ],
      );
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
];

// Paths through the SLA clocks and the escalation ladder.
const engineer = { id: 'erin-engineer', name: 'Erin Engineer', role: 'engineer' as const };
PATHS.push(
  {
    // The seed's contacts in full: a P1 flagged as suspected fraud e-mails Legal, its
    // Slack rung climbs after Slack's 30 minutes to the On-call's PagerDuty page, which is
    // acknowledged. Written under the escalation-contacts-and-channel-acks patch marker.
    name: 'p1-fraud-ladder-acknowledged',
    caseId: 'ES-REPLAYP1FRAUD1',
    input: {
      category: 'account',
      subject: 'Charges I never made',
      description: 'Someone is booking sessions with my card.',
    },
    async drive(ctx, handle, input) {
      await handle.executeUpdate(flagEscalationTriggerUpdate, {
        args: [{ actor: agent, triggerId: 'suspected-fraud', note: 'Three bookings the customer never made' }],
      });
      await ctx.inbox.waitFor(
        (m) => m.headers['x-case-id'] === input.caseId && m.headers['x-notice'] === 'escalation_contact',
      );
      await ctx.env.sleep('31 minutes');
      await ctx.pagerDuty.waitFor((e) => e.dedupKey === `case-${input.caseId}:esc-1:rung-2`);
      await handle.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: engineer, escalationId: 'esc-1' }] });
      await ctx.pagerDuty.waitFor(
        (e) => e.dedupKey === `case-${input.caseId}:esc-1:rung-2` && e.action === 'acknowledge',
      );
      await handle.executeUpdate(resolveEscalationUpdate, {
        args: [{ actor: engineer, escalationId: 'esc-1', note: 'blocked the card, refunded the bookings' }],
      });
      await handle.executeUpdate(resolveUpdate, {
        args: [
          {
            actor: agent,
            actionTaken: 'blocked the card and refunded the three bookings',
            expectedResult: 'no more charges appear',
            specificAction: 'adding a new card',
          },
        ],
      });
    },
    check(r) {
      const esc = r.view.escalations?.[0];
      assert.equal(esc?.state, 'resolved');
      assert.equal(esc?.channelAcks, true);
      assert.deepEqual(
        esc?.rungs.map((x) => x.target),
        ['#support-escalations', 'On-call'],
      );
      assert.deepEqual(
        esc?.notified?.map((n) => n.contactId),
        ['legal'],
      );
      assert.ok(actions(r).includes('contact_notified'));
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
  {
    name: 'p0-ladder-acknowledged',
    caseId: 'ES-REPLAYP0LADDER1',
    input: {
      category: 'payment',
      subject: 'Cannot pay for anything',
      description: 'Payment system failure: every checkout fails.',
    },
    async drive(ctx, handle, input) {
      await handle.executeUpdate(escalateUpdate, {
        args: [
          {
            actor: agent,
            severity: 'P0',
            title: 'Checkout down',
            affectedUsers: 'Every paying customer',
            issue: 'Every checkout answers 502.',
            stepsToReproduce: ['Pick a package', 'Pay'],
            userImpact: 'Nobody can buy sessions.',
            whatTried: 'Checked Stripe status: fine.',
          },
        ],
      });
      await ctx.pagerDuty.waitFor((e) => e.dedupKey === `case-${input.caseId}:esc-1:rung-1`);
      await ctx.env.sleep('16 minutes');
      await ctx.pagerDuty.waitFor((e) => e.dedupKey === `case-${input.caseId}:esc-1:rung-2`);
      await handle.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: engineer, escalationId: 'esc-1' }] });
      await ctx.pagerDuty.waitFor(
        (e) => e.dedupKey === `case-${input.caseId}:esc-1:rung-2` && e.action === 'acknowledge',
      );
      await ctx.env.sleep('1 hour');
      await handle.executeUpdate(resolveEscalationUpdate, {
        args: [{ actor: engineer, escalationId: 'esc-1', note: 'rolled back the deploy' }],
      });
      await handle.executeUpdate(resolveUpdate, {
        args: [
          {
            actor: agent,
            actionTaken: 'had Engineering roll back a faulty release',
            expectedResult: 'checkout works again',
            specificAction: 'paying again',
          },
        ],
      });
    },
    check(r) {
      const esc = r.view.escalations?.[0];
      assert.equal(esc?.state, 'resolved');
      assert.deepEqual(
        esc?.rungs.map((x) => x.target),
        ['PagerDuty', 'On-call'],
      );
      assert.equal(esc?.acknowledged?.by, 'Erin Engineer');
      assert.ok(actions(r).includes('escalation_acknowledged'));
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
  {
    name: 'chat-breach-monday',
    caseId: 'ES-REPLAYCHATMON1',
    input: { channel: 'chat' },
    async prepare(ctx) {
      const friday = nextWorkingFriday(await ctx.env.currentTimeMs());
      await ctx.env.sleep(newYork(friday, '17:58') - (await ctx.env.currentTimeMs()));
    },
    async drive(ctx, handle, input) {
      const opened = await waitForView(handle, (v) => (v.clocks?.length ?? 0) > 0);
      const deadline = Date.parse(opened.clocks!.find((c) => c.id === 'first_response')!.deadline!);
      const monday = addDays(new Date(deadline).toISOString().slice(0, 10), 0);
      assert.ok(Math.abs(deadline - newYork(monday, '09:03')) < 1000, 'the chat clock breaches on Monday at 09:03');
      await ctx.env.sleep(deadline + 60_000 - (await ctx.env.currentTimeMs()));
      await ctx.inbox.waitFor(
        (m) => m.headers['x-case-id'] === input.caseId && m.headers['x-notice'] === 'sla_breach',
        30_000,
      );
      await handle.executeUpdate(replyUpdate, {
        args: [{ actor: agent, message: 'Sorry for the wait, looking now.' }],
      });
      await handle.signal(customerReplySignal, { message: 'Thanks!' });
      await waitForView(handle, (v) => v.clocks?.some((c) => c.id === 'next_reply:1') ?? false);
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    },
    check(r) {
      const first = r.view.clocks?.find((c) => c.id === 'first_response');
      assert.equal(first?.state, 'breached');
      assert.ok(first?.metAt);
      assert.equal(r.view.clocks?.find((c) => c.id === 'next_reply:1')?.state, 'met');
      assert.ok(actions(r).includes('sla_breached'));
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
);

// Paths through compensation and its approvals.
const lead = { id: 'lee-lead', name: 'Lee Lead', role: 'support_lead' as const };
const manager = { id: 'morgan-manager', name: 'Morgan Manager', role: 'support_manager' as const };
PATHS.push(
  {
    name: 'compensation-approved-and-paid',
    caseId: 'ES-REPLAYCOMP1',
    input: {
      category: 'payment',
      subject: 'Booking lost in the outage',
      description: 'The outage cancelled my booked session.',
      paymentIntentId: 'pi_demo_paid',
    },
    async drive(ctx, handle, input) {
      await waitForView(handle, (v) => v.payment !== undefined);
      const proposed = await act(handle, proposeCompensationUpdate, { actor: agent, guideline: 'service_outage' });
      const approvalId = proposed.compensations![0].approval!.approvalId;
      await ctx.slack.waitFor((m) => (m.text ?? '').includes(approvalId), 30_000);
      await refused(
        handle.executeUpdate(decideApprovalUpdate, {
          args: [signed({ actor: lead, approvalId, decision: 'approve', amountCents: 4000 })],
        }),
        FailureType.StaleApproval,
      );
      await handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: lead, approvalId, decision: 'approve', amountCents: 4950 })],
      });
      await mailFor(ctx, input, 'compensation_offered');
      await handle.executeUpdate(resolveUpdate, {
        args: [
          {
            actor: agent,
            actionTaken: 'refunded the session and added a credit',
            expectedResult: 'the money is on its way',
            specificAction: 'booking a new session',
          },
        ],
      });
    },
    check(r) {
      const c = r.view.compensations![0];
      assert.equal(c.status, 'applied');
      assert.ok(c.refund?.id.startsWith('re_') && c.credit?.id.startsWith('cbtxn_'));
      assert.deepEqual(
        actions(r).filter((a) => a.startsWith('compensation_') || a.endsWith('_created')),
        ['compensation_proposed', 'compensation_approved', 'refund_created', 'credit_created', 'compensation_applied'],
      );
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
  {
    name: 'compensation-approval-expired',
    caseId: 'ES-REPLAYCOMPEXP1',
    input: {
      category: 'payment',
      subject: 'Session cut short',
      description: 'My tutor had to leave after ten minutes.',
      paymentIntentId: 'pi_demo_session',
      customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
    },
    async drive(ctx, handle) {
      await waitForView(handle, (v) => v.payment !== undefined);
      const proposed = await act(handle, proposeCompensationUpdate, {
        actor: agent,
        guideline: 'major_inconvenience',
        creditCents: 2000,
      });
      const approvalId = proposed.compensations![0].approval!.approvalId;
      // A signal from the proposer: recorded as a refused attempt.
      await handle.signal(
        approvalDecisionSignal,
        signed({ actor: agent, approvalId, decision: 'approve', amountCents: 2000 }),
      );
      await waitForView(handle, (v) => v.timeline.some((t) => t.action === 'approval_decision_refused'));
      await ctx.env.sleep('4 hours');
      await waitForView(handle, (v) => v.compensations![0].approval!.remindedAt !== undefined);
      await ctx.env.sleep('20 hours');
      await waitForView(handle, (v) => v.compensations![0].approval!.tier === 'support_manager');
      await ctx.env.sleep('48 hours');
      await waitForView(handle, (v) => v.compensations![0].status === 'expired');
      await refused(
        handle.executeUpdate(decideApprovalUpdate, {
          args: [signed({ actor: manager, approvalId, decision: 'approve', amountCents: 2000 })],
        }),
        FailureType.AlreadyDone,
      );
      await handle.executeUpdate(resolveUpdate, {
        args: [
          {
            actor: agent,
            actionTaken: 'apologised for the short session',
            expectedResult: 'the next one is booked',
            specificAction: 'joining on Monday',
          },
        ],
      });
    },
    check(r) {
      assert.equal(r.view.compensations![0].status, 'expired');
      assert.deepEqual(
        actions(r).filter((a) => a.startsWith('approval_')),
        ['approval_decision_refused', 'approval_reminded', 'approval_escalated', 'approval_expired'],
      );
      assert.equal(actions(r).at(-1), 'archived');
    },
  },
);

// Bounded case state: with limits set low, the trail's older part goes to the archive (archiveTimeline)
// and notes beyond the newest few leave the view.
PATHS.push({
  name: 'bounded-trail-archived',
  caseId: 'ES-REPLAYTRAIL1',
  input: {
    settings: {
      adminBaseUrl: 'https://admin.example.test',
      publicBaseUrl: 'http://127.0.0.1:3999',
      trailLimits: { timelineKeep: 4, timelineMax: 8, notesKeep: 3 },
    },
  },
  async drive(_ctx, handle) {
    for (let i = 1; i <= 12; i++)
      await handle.executeUpdate(addNoteUpdate, { args: [{ actor: agent, text: `Called back, attempt ${i}` }] });
    await waitForView(handle, (v) => (v.archivedThrough ?? 0) >= 5);
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    await waitForView(handle, (v) => (v.archivedThrough ?? 0) >= 10);
  },
  check(r) {
    assert.ok((r.view.archivedThrough ?? 0) >= 10, 'the trail was archived twice');
    assert.ok(r.view.timeline.length <= 8);
    assert.deepEqual(
      r.view.timeline.map((t) => t.seq),
      r.view.timeline.map((_, i) => r.view.archivedThrough! + 1 + i),
      'the trail goes on from the archive without a gap',
    );
    assert.deepEqual(
      r.view.notes.map((n) => n.text),
      ['Called back, attempt 10', 'Called back, attempt 11', 'Called back, attempt 12'],
    );
    assert.equal(actions(r).at(-1), 'archived');
  },
});

// An incident from open to resolved: a note, a linked case that has already finished (nobody to
// tell), a public update, the fix.
PATHS.push({
  name: 'incident-update-resolved',
  caseId: 'ES-REPLAYINC1',
  drive: async () => undefined,
  check: () => undefined,
  async run(ctx) {
    const handle = await ctx.env.client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      workflowId: incidentWorkflowId('INC-REPLAY01'),
      taskQueue: TASK_QUEUE,
      args: [
        {
          incidentId: 'INC-REPLAY01',
          title: 'Checkout failing',
          severity: 'P1',
          area: { category: 'payment', component: 'payments' },
          openedBy: engineer,
        } satisfies IncidentInput,
      ],
    });
    await handle.executeUpdate(addIncidentNoteUpdate, { args: [{ actor: engineer, text: 'Stripe webhook 500s' }] });
    await handle.executeUpdate(linkIncidentCasesUpdate, { args: [{ actor: engineer, link: ['ES-REPLAYINC1'] }] });
    await handle.executeUpdate(postIncidentUpdateUpdate, {
      args: [{ actor: engineer, text: 'We are looking into failing payments.', status: 'identified' }],
    });
    await handle.executeUpdate(resolveIncidentUpdate, { args: [{ actor: engineer, fix: 'Payments work again.' }] });
    const view = (await handle.result()) as IncidentView;
    assert.equal(view.status, 'resolved');
    assert.deepEqual(
      view.updates.map((u) => u.notified),
      [0, 0],
      'the linked case had finished: nobody to tell',
    );
    return handle;
  },
});

// A technical case opened during a confirmed outage (intake found its known issue): its automatic
// escalation joins the incident's ladder, the incident's acknowledgement acknowledges it, and the
// incident's fix resolves the case with the Issue Resolved template.
PATHS.push({
  name: 'known-issue-joined',
  caseId: 'ES-REPLAYJOIN',
  input: {
    category: 'technical',
    subject: 'Checkout error',
    description: 'The payment failed with an error page at checkout.',
    knownIssue: { incidentId: 'INC-REPLAY02', title: 'Payments failing', severity: 'P0', active: true },
  },
  async drive(ctx, handle, input) {
    await waitForView(handle, (v) => v.escalations?.[0]?.joined === 'INC-REPLAY02');
    const notice = { incidentId: 'INC-REPLAY02', title: 'Payments failing', severity: 'P0' as const };
    await handle.signal(incidentNoticeSignal, { ...notice, kind: 'acknowledged', by: 'Olive Oncall (PagerDuty)' });
    await waitForView(handle, (v) => v.escalations?.[0]?.state === 'acknowledged');
    await handle.signal(incidentNoticeSignal, {
      ...notice,
      kind: 'resolved',
      n: 1,
      text: 'Payments work again.',
      actor: { id: 'lee-lead', name: 'Incident INC-REPLAY02', role: 'support_lead' },
    });
    await mailFor(ctx, input, 'issue_resolved');
  },
  check(r) {
    const esc = r.view.escalations?.[0];
    assert.equal(esc?.joined, 'INC-REPLAY02');
    assert.equal(esc?.rungs.length, 0, 'the joined escalation paged nobody itself');
    assert.match(esc?.acknowledged?.by ?? '', /Olive Oncall \(PagerDuty\) \(incident INC-REPLAY02\)/);
    assert.ok(actions(r).includes('escalation_joined_incident'));
    assert.ok(actions(r).includes('resolved'));
    assert.equal(actions(r).at(-1), 'archived');
  },
});

// An incident with its own ladder: PagerDuty, the On-call after 15 minutes, acknowledged; an update
// and the fix with the outage compensation (its one linked case had finished: nobody to tell).
PATHS.push({
  name: 'incident-ladder-acknowledged',
  caseId: 'ES-REPLAYINC2',
  drive: async () => undefined,
  check: () => undefined,
  async run(ctx) {
    const escalation = incidentEscalationOf(DEFAULT_POLICY, 'P0', {
      channel: '#support-escalations',
      publicBaseUrl: 'http://127.0.0.1:3999',
    })!;
    const handle = await ctx.env.client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      workflowId: incidentWorkflowId('INC-REPLAY03'),
      taskQueue: TASK_QUEUE,
      args: [
        {
          incidentId: 'INC-REPLAY03',
          title: 'Checkout failing',
          severity: 'P0',
          area: { category: 'payment', component: 'payments' },
          openedBy: engineer,
          escalation,
        } satisfies IncidentInput,
      ],
    });
    await ctx.pagerDuty.waitFor((e) => e.dedupKey === 'incident-INC-REPLAY03:rung-1');
    await handle.executeUpdate(linkIncidentCasesUpdate, { args: [{ actor: engineer, link: ['ES-REPLAYINC2'] }] });
    await ctx.env.sleep('16 minutes');
    await ctx.pagerDuty.waitFor((e) => e.dedupKey === 'incident-INC-REPLAY03:rung-2');
    await handle.executeUpdate(acknowledgeIncidentUpdate, { args: [{ actor: engineer }] });
    await handle.executeUpdate(postIncidentUpdateUpdate, {
      args: [{ actor: engineer, text: 'We are switching to the backup processor.', status: 'identified' }],
    });
    await handle.executeUpdate(resolveIncidentUpdate, {
      args: [{ actor: engineer, fix: 'Payments work again.', compensate: 'service_outage' }],
    });
    const view = (await handle.result()) as IncidentView;
    assert.equal(view.status, 'resolved');
    assert.deepEqual(
      view.ladder?.rungs.map((r) => r.target),
      ['PagerDuty', 'On-call'],
    );
    assert.equal(view.ladder?.acknowledged?.by, 'Erin Engineer');
    return handle;
  },
});

/**
 * The history as protobuf JSON (what historyToJSON from @temporalio/common/lib/proto-utils would
 * write, had it not broken in this install: see test/replay/history-json.ts), with the client's
 * and worker's identities (pid@hostname) replaced.
 */
function historyJSON(history: History): { json: string; events: number } {
  const parsed = historyToJSONObject(history);
  const scrub = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(scrub);
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [k, k === 'identity' && typeof v === 'string' ? IDENTITY : scrub(v)]),
      );
    }
    return node;
  };
  const clean = scrub(parsed) as { events: unknown[] };
  return { json: `${JSON.stringify(clean, null, 2)}\n`, events: clean.events.length };
}

/** Every payload's data as text (JSON holds it base64-encoded), to check for secrets. */
function payloadTexts(history: History): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (node instanceof Uint8Array) return void out.push(Buffer.from(node).toString('utf8'));
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(history);
  return out;
}

async function record(ctx: Ctx, p: Path, suffix?: string): Promise<void> {
  await p.prepare?.(ctx);
  const handle = p.run ? await p.run(ctx) : await recordCase(ctx, p);
  const history = await handle.fetchHistory();
  const last = history.events?.at(-1);
  assert.ok(
    last?.workflowExecutionCompletedEventAttributes,
    `${p.name}: the history must end with WorkflowExecutionCompleted`,
  );
  const { json, events } = historyJSON(history);
  const readable = `${json}\n${payloadTexts(history).join('\n')}`;
  for (const secret of [TEST_CSAT_SECRET, TEST_APPROVAL_SECRET, 'sk_test_standin', '/csat/'])
    assert.ok(!readable.includes(secret), `${p.name}: the history contains '${secret}'`);
  const file = path.join(OUT_DIR, `${p.name}${suffix ? `.${suffix}` : ''}.json`);
  // Recorded histories are append-only: a workflow change adds a history, it never rewrites one.
  if (existsSync(file))
    throw new Error(
      `${path.relative(ROOT, file)} exists; histories are append-only: record under a new name with --as <suffix>`,
    );
  writeFileSync(file, json);
  console.log(
    `${p.name}: ${events} events, ${(Buffer.byteLength(json) / 1024).toFixed(1)} KB -> ${path.relative(ROOT, file)}`,
  );
}

/** Drives a case path to completion and checks its result. */
async function recordCase(ctx: Ctx, p: Path): Promise<WorkflowHandle> {
  const input = caseInput({ caseId: p.caseId, ...p.input });
  const handle = await ctx.env.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
    workflowId: caseWorkflowId(input.caseId),
    taskQueue: TASK_QUEUE,
    args: [input],
  });
  await p.drive(ctx, handle, input);
  p.check(await handle.result()); // the time-skipping client skips the remaining timers
  return handle;
}

async function main(args: string[]): Promise<number> {
  const asAt = args.indexOf('--as');
  const suffix = asAt >= 0 ? args[asAt + 1] : undefined;
  if (asAt >= 0 && !/^[a-z0-9-]+$/.test(suffix ?? '')) {
    console.error('--as needs a suffix of lower-case letters, digits and dashes');
    return 2;
  }
  const argv = asAt >= 0 ? args.filter((_, i) => i !== asAt && i !== asAt + 1) : args;
  const wanted = argv.length ? PATHS.filter((p) => argv.includes(p.name)) : PATHS;
  const unknown = argv.filter((a) => !PATHS.some((p) => p.name === a));
  if (unknown.length) {
    console.error(`unknown path(s): ${unknown.join(', ')}; known: ${PATHS.map((p) => p.name).join(', ')}`);
    return 2;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const [env, inbox, stripe] = await Promise.all([
    createTimeSkippingEnv(),
    startSmtpInbox(),
    startStripeStandin({ seedDemoData: true }),
  ]);
  const [slack, pagerDuty] = await Promise.all([
    startSlackStandin({ token: TEST_SLACK_TOKEN }),
    startPagerDutyStandin(),
  ]);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    worker = await caseWorker(env, TASK_QUEUE, { inbox, stripe, slack, pagerDuty });
    running = worker.run();
    // One at a time: the test server has one clock, and a path's sleeps must not run another's timers.
    for (const p of wanted) await record({ env, inbox, stripe, slack, pagerDuty }, p, suffix);
    return 0;
  } finally {
    worker?.shutdown();
    await running;
    await Promise.all([env.teardown(), inbox.close(), stripe.close(), slack.close(), pagerDuty.close()]);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
