import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { verifySurveyToken } from '../../src/security/csat-token';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { supportCaseWorkflow } from '../../workflows';
import {
  actionKeyQuery,
  actionUpdateId,
  addNoteUpdate,
  caseViewQuery,
  caseWorkflowId,
  closeUpdate,
  inputFingerprint,
  completeStepUpdate,
  customerReplySignal,
  messagesQuery,
  FailureType,
  rateUpdate,
  reopenUpdate,
  replyUpdate,
  requestVerificationUpdate,
  resolveUpdate,
  skipStepUpdate,
  waitForCustomerUpdate,
  type CaseInput,
  type CaseView,
} from '../../workflows/contracts';
import { sealed } from '../../dev/fixtures';
import { act, agent, caseInput, startCaseRig, TEST_CSAT_SECRET, type CaseRig } from '../helpers/cases';

const resolution = {
  actionTaken: 'reset your password',
  expectedResult: 'you can log in again',
  specificAction: 'logging in with the new password',
};

/** Every payload's data in a history, decoded as text and joined. */
function payloadTexts(node: unknown): string {
  if (node instanceof Uint8Array) return Buffer.from(node).toString('utf8');
  if (Array.isArray(node)) return node.map(payloadTexts).join('\n');
  if (node && typeof node === 'object') return Object.values(node).map(payloadTexts).join('\n');
  return '';
}

describe('supportCaseWorkflow (time-skipping server)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let taskQueue: string;

  before(async () => {
    rig = await startCaseRig({ server: 'time-skipping', prefix: 'wf' });
    ({ env, inbox, taskQueue } = rig);
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
  const mailFor = (input: CaseInput, template: string) =>
    inbox.waitFor((m) => m.headers['x-case-id'] === input.caseId && m.headers['x-template-id'] === template, 15_000);
  const waitForView = async (handle: WorkflowHandle, pred: (v: CaseView) => boolean): Promise<CaseView> => {
    for (let i = 0; i < 100; i++) {
      const v = await handle.query(caseViewQuery);
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('case view never reached the expected state');
  };
  const refusal = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
    const err = await p.then(
      () => assert.fail('expected the update to be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
    assert.ok(err.cause instanceof ApplicationFailure);
    return err.cause;
  };

  it("answers an action's Update with a small result (case id, view version, status), not the view", async () => {
    const { handle } = await open();
    await waitForView(handle, (v) => (v.version ?? 0) > 0);
    const before = await handle.query(caseViewQuery);
    const result = await handle.executeUpdate(replyUpdate, {
      args: [{ actor: agent, message: 'Could you tell me which browser you use?' }],
    });
    assert.ok(JSON.stringify(result).length < 2048, `${JSON.stringify(result).length} bytes`);
    assert.deepEqual(Object.keys(result).sort(), ['caseId', 'status', 'version']);
    assert.equal(result.caseId, handle.workflowId.replace(/^case-/, ''));
    assert.equal(result.status, 'open');
    assert.ok(result.version > before.version!, `version ${result.version} after ${before.version}`);
    const view = await handle.query(caseViewQuery);
    assert.ok(view.version! >= result.version, 'the view is at least as new as the result');
    assert.equal(view.status, result.status);
    assert.equal(view.timeline.at(-1)?.action, 'replied');
  });

  it('sends the Welcome template on the first e-mail reply, signed by the agent', async () => {
    const { handle, input } = await open();
    const view = await act(handle, replyUpdate, { actor: agent, message: 'Could you tell me which browser you use?' });
    assert.equal(view.status, 'open');
    assert.deepEqual(view.assignee, { id: agent.id, name: agent.name });
    const mail = await mailFor(input, 'welcome');
    assert.deepEqual(mail.to, ['ada@example.com']);
    assert.match(mail.text, /^Hi Ada Lovelace,/);
    assert.match(mail.text, /I'm Alex Agent and I'll be helping you today/);
    assert.match(mail.text, /your inquiry about Cannot log in/);
    assert.match(mail.text, /Could you tell me which browser you use\?/);
    assert.match(mail.html ?? '', /<p>Hi Ada Lovelace,<\/p>/);
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Thanks, checking now.' }] });
    const second = await mailFor(input, 'agent_reply');
    assert.match(second.text, /Thanks, checking now\./);
    const v = await waitForView(handle, (x) => x.emails.every((e) => e.status === 'sent'));
    assert.deepEqual(
      v.emails.map((e) => e.templateId),
      ['welcome', 'agent_reply'],
    );
    assert.ok(v.times.firstResponseAt);
  });

  it('e-mails the CSAT survey 24 hours after resolution and closes the case when the customer rates it', async () => {
    const { handle, input } = await open();
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    const resolved = await mailFor(input, 'issue_resolved');
    assert.match(resolved.text, /Great news! I've reset your password and you can log in again\./);
    assert.match(resolved.text, /Please try logging in with the new password/);

    await env.sleep('23 hours');
    assert.equal(
      inbox
        .messages()
        .filter((m) => m.headers['x-case-id'] === input.caseId && m.headers['x-template-id'] === 'csat_survey').length,
      0,
    );
    await env.sleep('1 hour');
    const survey = await mailFor(input, 'csat_survey');
    const token = /\/csat\/([A-Za-z0-9_.-]+)/.exec(survey.text)?.[1];
    assert.ok(token, 'the survey e-mail carries a link');
    const claim = verifySurveyToken(TEST_CSAT_SECRET, token);
    assert.equal(claim?.caseId, input.caseId);

    const rated = await act(handle, rateUpdate, { surveyId: claim!.surveyId, rating: 5, comment: 'quick and kind' });
    assert.equal(rated.status, 'closed');
    assert.equal(rated.csat?.rating, 5);
    assert.equal(rated.csat?.comment, 'quick and kind');

    const again = await refusal(handle.executeUpdate(rateUpdate, { args: [{ surveyId: claim!.surveyId, rating: 1 }] }));
    assert.equal(again.type, FailureType.AlreadyDone);
    assert.equal(again.message, 'this case has already been rated');
    assert.equal((await handle.query(caseViewQuery)).csat?.rating, 5);
  });

  it('closes a resolved case when the survey window ends without a rating, and archives it after the reopen window', async () => {
    const { handle } = await open();
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    await env.sleep('24 hours');
    await env.sleep('7 days');
    const closed = await waitForView(handle, (v) => v.status === 'closed');
    assert.ok(closed.timeline.some((t) => t.action === 'closed' && t.detail === 'no rating within the survey window'));
    const result = await handle.result();
    assert.equal(result.view.status, 'closed');
    // The result carries the case's facts for the metrics: resolved at once, no reply, never reopened.
    assert.equal(result.facts?.firstContactResolution, true);
    assert.equal(result.facts?.csat, undefined);
    assert.equal(result.facts?.category, 'account');
    assert.equal(
      result.facts?.resolutionMs,
      Date.parse(result.view.times.resolvedAt!) - Date.parse(result.view.times.openedAt),
    );
  });

  it('reopens a resolved case, counts it, and invalidates the earlier survey link', async () => {
    const { handle, input } = await open();
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    await env.sleep('24 hours');
    const survey = await mailFor(input, 'csat_survey');
    const claim = verifySurveyToken(TEST_CSAT_SECRET, /\/csat\/([A-Za-z0-9_.-]+)/.exec(survey.text)![1])!;
    const reopened = await act(handle, reopenUpdate, { actor: agent, reason: 'customer says it broke again' });
    assert.equal(reopened.status, 'open');
    assert.equal(reopened.reopens, 1);
    assert.equal(reopened.times.resolvedAt, undefined);
    const stale = await refusal(handle.executeUpdate(rateUpdate, { args: [{ surveyId: claim.surveyId, rating: 2 }] }));
    assert.equal(stale.type, FailureType.StatusForbids);
  });

  it('reopens a closed case within the reopen window, and refuses after it', async () => {
    const { handle } = await open();
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    await handle.executeUpdate(closeUpdate, { args: [{ actor: agent, reason: 'customer confirmed' }] });
    await env.sleep('13 days');
    const v = await act(handle, reopenUpdate, { actor: agent, reason: 'same problem again' });
    assert.equal(v.status, 'open');
    await handle.executeUpdate(resolveUpdate, { args: [{ actor: agent, ...resolution }] });
    await handle.executeUpdate(closeUpdate, { args: [{ actor: agent }] });
    await env.sleep('15 days');
    const result = await handle.result();
    assert.equal(result.view.reopens, 1);
    assert.equal(result.view.timeline.at(-1)?.action, 'archived');
  });

  it('refuses actions the status forbids and leaves no trace of them in history', async () => {
    const { handle } = await open();
    const close = await refusal(handle.executeUpdate(closeUpdate, { args: [{ actor: agent }] }));
    assert.equal(close.type, FailureType.StatusForbids);
    assert.match(close.message, /the case is new: close is not allowed/);
    const wait = await refusal(handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] }));
    assert.equal(wait.type, FailureType.StatusForbids);
    const unknownStep = await refusal(
      handle.executeUpdate(completeStepUpdate, { args: [{ actor: agent, stepId: 'no-such-step' }] }),
    );
    assert.equal(unknownStep.type, FailureType.InvalidAction);
    const noNote = await refusal(
      handle.executeUpdate(skipStepUpdate, { args: [{ actor: agent, stepId: 'reset-password', note: '  ' }] }),
    );
    assert.equal(noNote.type, FailureType.InvalidAction);
    const view = await handle.query(caseViewQuery);
    assert.equal(view.status, 'new');
    assert.deepEqual(
      view.timeline.map((t) => t.action),
      ['opened'],
    );
    const history = await handle.fetchHistory();
    assert.equal(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 0);
  });

  it('builds the Account checklist with admin links and the "I can\'t log in" playbook', async () => {
    const { handle } = await open();
    const v = await handle.query(caseViewQuery);
    assert.equal(v.category, 'account');
    assert.deepEqual(
      v.commonIssues.map((c) => c.id),
      ['cant-log-in'],
    );
    const ids = v.checklist.map((s) => s.id);
    assert.deepEqual(ids.slice(0, 4), ['verify-identity', 'check-account-status', 'reset-password', 'unlock-account']);
    assert.ok(ids.includes('login-incognito'));
    assert.equal(
      v.checklist.find((s) => s.id === 'check-account-status')?.adminLink,
      'https://admin.example.test/admin/users',
    );
  });

  it('verifies identity against the Stripe customer and records only the verdict', async () => {
    const { handle } = await open();
    await handle.executeUpdate(requestVerificationUpdate, { args: [{ actor: agent }] });
    const wrong = await act(handle, completeStepUpdate, {
      actor: agent,
      stepId: 'verify-identity',
      evidence: sealed('ada@example.com', '0000'),
    });
    assert.equal(wrong.identity?.verified, false);
    assert.equal(wrong.checklist.find((s) => s.id === 'verify-identity')?.state, 'pending');
    // Evidence in clear is refused by the validator, so it never reaches history.
    const clear = await refusal(
      handle.executeUpdate(completeStepUpdate, {
        args: [{ actor: agent, stepId: 'verify-identity', evidence: { email: 'ADA@example.com', last4: '4242' } }],
      }),
    );
    assert.equal(clear.type, FailureType.InvalidAction);
    assert.match(clear.message, /must be sealed/);
    const right = await act(handle, completeStepUpdate, {
      actor: agent,
      stepId: 'verify-identity',
      evidence: sealed('ADA@example.com', '4242'),
    });
    assert.equal(right.identity?.verified, true);
    assert.equal(right.checklist.find((s) => s.id === 'verify-identity')?.state, 'completed');
    assert.ok(!JSON.stringify(right).includes('4242'), 'the case view never shows card digits');
    const payloads = payloadTexts(await handle.fetchHistory());
    assert.ok(payloads.includes('"sealed":'), 'the sealed evidence is in history');
    assert.ok(!payloads.includes('"last4"'), 'no payload of the history holds the digits');
    assert.ok(!payloads.includes('ADA@example.com'), 'nor the claimed e-mail');
  });

  it('looks the payment up in Stripe at intake and records the decline reason', async () => {
    const { handle } = await open({
      subject: 'My payment failed',
      description: 'My payment failed when I tried to buy a package.',
      paymentIntentId: 'pi_demo_declined',
    });
    const v = await waitForView(handle, (x) => x.payment !== undefined);
    assert.equal(v.category, 'payment');
    assert.equal(v.payment?.found, true);
    assert.equal(v.payment?.succeeded, false);
    assert.equal(v.payment?.declineCode, 'insufficient_funds');
    const step = v.checklist.find((s) => s.id === 'verify-transaction');
    assert.equal(step?.state, 'completed');
    assert.equal(step?.adminLink, 'https://dashboard.stripe.com/payments/pi_demo_declined');
    assert.match(step?.note ?? '', /insufficient_funds/);
  });

  it("answers an in-app case at once with the playbook's customer-facing steps", async () => {
    const { input, handle } = await open({
      channel: 'in_app',
      subject: "I can't log in",
      description: 'Login keeps failing.',
    });
    const mail = await mailFor(input, 'self_service_answer');
    assert.match(
      mail.text,
      /1\. Verify email is correct\n2\. Try password reset\n3\. Clear browser cache\n4\. Try incognito mode/,
    );
    assert.doesNotMatch(mail.text, /suspended/);
    assert.ok((await handle.query(caseViewQuery)).times.firstResponseAt);
  });

  it('a customer reply moves a waiting case back to open', async () => {
    const { handle } = await open();
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Which browser?' }] });
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    await handle.signal(customerReplySignal, { message: 'Firefox' });
    const v = await waitForView(handle, (x) => x.status === 'open');
    assert.equal(v.timeline.at(-1)?.action, 'customer_replied');
    assert.ok(!JSON.stringify(v.timeline).includes('Firefox'), 'the timeline does not copy message bodies');
  });

  it("keeps the conversation: the customer's words, the agent's replies threaded into their e-mail, auto-replies recorded", async () => {
    const { handle, input } = await open();
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Which browser do you use?' }] });
    const welcome = await mailFor(input, 'welcome');
    assert.match(
      welcome.text,
      new RegExp(`your inquiry about ${input.subject}`),
      "the summary is the customer's subject",
    );
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    await handle.signal(customerReplySignal, {
      message: 'Firefox 133 on Windows.',
      html: '<p>Firefox 133 on <b>Windows</b>.</p>',
      messageId: '<reply-1@mail.example.com>',
      inReplyTo: welcome.messageId,
      subject: `Re: ${welcome.subject}`,
    });
    await waitForView(handle, (x) => x.status === 'open');
    await handle.executeUpdate(replyUpdate, { args: [{ actor: agent, message: 'Please clear your cache.' }] });
    const answer = await mailFor(input, 'agent_reply');
    assert.equal(answer.headers['in-reply-to'], '<reply-1@mail.example.com>', 'the reply answers their e-mail');
    assert.match(String(answer.headers.references), /<reply-1@mail\.example\.com>/);

    // An out-of-office to that reply: on the thread, and nothing else moves.
    await handle.executeUpdate(waitForCustomerUpdate, { args: [{ actor: agent }] });
    await handle.signal(customerReplySignal, { message: 'I am away until Monday.', automatic: 'auto_reply' });
    const after = await waitForView(handle, (x) => x.timeline.at(-1)?.action === 'automatic_reply_received');
    assert.equal(after.status, 'awaiting_customer', 'an auto-reply does not reopen the conversation');

    const page = await handle.query(messagesQuery, {});
    assert.deepEqual(
      page.messages.map((m) => [m.n, m.author.kind, m.text]),
      [
        [1, 'customer', input.description],
        [2, 'agent', 'Which browser do you use?'],
        [3, 'customer', 'Firefox 133 on Windows.'],
        [4, 'agent', 'Please clear your cache.'],
        [5, 'customer', 'I am away until Monday.'],
      ],
    );
    assert.equal(page.messages[2].html, '<p>Firefox 133 on <b>Windows</b>.</p>');
    assert.equal(page.messages[4].automatic, 'auto_reply');
    assert.deepEqual([page.messages[1].delivery, page.messages[3].delivery], ['sent', 'sent']);
    assert.equal(page.messages[3].messageId, answer.messageId, "an agent's e-mail carries its Message-ID");
    assert.deepEqual(
      after.messages?.recent.map((m) => m.n),
      [1, 2, 3, 4, 5],
    );
    assert.equal(after.messages?.count, 5);
    const older = await handle.query(messagesQuery, { before: 3, limit: 1 });
    assert.deepEqual([older.messages.map((m) => m.n), older.prevBefore], [[2], 2]);
  });

  it('records a malformed signal as refused and keeps working: no signal can wedge a case', async () => {
    const { handle } = await open();
    const raw = handle as unknown as { signal(name: string, ...args: unknown[]): Promise<void> };
    await raw.signal('customerReply', { message: 42 });
    await raw.signal('customerReply', null);
    await raw.signal('policyChanged', { policy: { version: 'x' } });
    await raw.signal('calendarChanged', {});
    await raw.signal('stripeEvent', { type: 'refund.updated' });
    await raw.signal('approvalDecision', { approvalId: 'x' });
    const v = await waitForView(handle, (x) => x.timeline.filter((t) => t.action.endsWith('_refused')).length === 6);
    assert.deepEqual(
      v.timeline.filter((t) => t.action.endsWith('_refused')).map((t) => t.action),
      [
        'customer_reply_refused',
        'customer_reply_refused',
        'policy_changed_refused',
        'calendar_changed_refused',
        'stripe_event_refused',
        'approval_decision_refused',
      ],
    );
    assert.equal(v.status, 'new', 'nothing else changed');
    const after = await act(handle, replyUpdate, { actor: agent, message: 'Still here?' });
    assert.equal(after.status, 'open', 'the case still takes actions');
  });

  it('an action sent again with the same idempotency key runs once, also after continue-as-new', async () => {
    const { handle } = await open({ settings: { ...caseInput().settings, continueAsNewAfterEvents: 40 } });
    const note = { actor: agent, text: 'Called the customer back' };
    const updateId = actionUpdateId(agent.id, 'note-1');
    const firstRun = (await handle.describe()).runId;
    await handle.executeUpdate(addNoteUpdate, { args: [note], updateId });
    await handle.executeUpdate(addNoteUpdate, { args: [note], updateId });
    assert.deepEqual(await handle.query(actionKeyQuery, updateId), { fp: inputFingerprint(note) });
    // Enough other actions to continue as new; Temporal then forgets the Update id, the case does not.
    for (let i = 0; i < 12; i++)
      await handle.executeUpdate(addNoteUpdate, { args: [{ actor: agent, text: `note ${i}` }] });
    const fresh = env.client.workflow.getHandle(handle.workflowId);
    assert.notEqual((await fresh.describe()).runId, firstRun, 'the case continued as new');
    // Within a run Temporal answers a repeated Update id itself; across runs the case's own memory does.
    const reused = await refusal(
      fresh.executeUpdate(addNoteUpdate, { args: [{ ...note, text: 'something else' }], updateId }),
    );
    assert.equal(reused.type, FailureType.IdempotencyKeyReused);
    const again = await act(fresh, addNoteUpdate, note, { updateId });
    assert.equal(again.notes.filter((n) => n.text === note.text).length, 1, 'the retry added no second note');
    const final = await fresh.query(caseViewQuery);
    assert.equal(final.notes.length, 13);
  });
});
