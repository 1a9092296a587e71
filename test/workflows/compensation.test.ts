import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import type { StripeStandin } from '../../dev/standins/stripe-standin';
import { supportCaseWorkflow } from '../../workflows';
import {
  approvalDecisionSignal,
  caseViewQuery,
  caseWorkflowId,
  decideApprovalUpdate,
  FailureType,
  proposeCompensationUpdate,
  type Actor,
  type CaseInput,
  type CaseView,
  type CompensationRecord,
} from '../../workflows/contracts';
import { cliCommand, parseArgs, signedDecision } from '../../scripts/approval-decision';
import {
  act,
  agent,
  caseInput,
  signed,
  startCaseRig,
  TEST_APPROVAL_SECRET,
  TEST_APPROVALS_CHANNEL,
  TEST_ENV,
  TEST_TOKENS,
  type CaseRig,
} from '../helpers/cases';

const lead: Actor = { id: 'lee-lead', name: 'Lee Lead', role: 'support_lead' };
const manager: Actor = { id: 'morgan-manager', name: 'Morgan Manager', role: 'support_manager' };
const director: Actor = { id: 'dana-director', name: 'Dana Director', role: 'ops_director' };
const HOUR = 3_600_000;

describe('supportCaseWorkflow compensation (time-skipping server, Stripe, Slack and SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let slack: SlackStandin;
  let taskQueue: string;

  before(async () => {
    rig = await startCaseRig({ server: 'time-skipping', prefix: 'comp', slack: true });
    ({ env, inbox, stripe, taskQueue } = rig);
    slack = rig.slack!;
  });
  after(() => rig?.stop());

  /** A case about a fresh payment of its own at the Stripe peer, so refunds of one test never touch another's. */
  async function open(amount: number, queue = taskQueue, overrides: Partial<CaseInput> = {}) {
    const { paymentIntent } = stripe.createPaymentIntent({
      amount,
      currency: 'usd',
      customer: 'cus_demo_ada',
      paymentMethod: 'pm_card_visa',
    });
    const input = caseInput({
      category: 'payment',
      subject: 'My session was cancelled',
      description: 'The tutor never showed up and I paid for it.',
      paymentIntentId: paymentIntent.id,
      ...overrides,
    });
    const handle = await env.client.workflow.start(supportCaseWorkflow, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue: queue,
      args: [input],
    });
    await waitForView(handle, (v) => v.payment !== undefined);
    return { handle, input };
  }
  const waitForView = async (
    handle: WorkflowHandle,
    pred: (v: CaseView) => boolean,
    what = 'the expected state',
  ): Promise<CaseView> => {
    for (let i = 0; i < 200; i++) {
      const v = await handle.query(caseViewQuery);
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`case view never reached ${what}`);
  };
  const comp = (v: CaseView, n = 1): CompensationRecord => v.compensations![n - 1];
  const refusal = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
    const err = await p.then(
      () => assert.fail('expected the update to be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
    assert.ok(err.cause instanceof ApplicationFailure);
    return err.cause;
  };
  const caseRefunds = (caseId: string) => stripe.refunds().filter((r) => r.metadata.case_id === caseId);
  const caseCredits = (caseId: string) =>
    stripe.balanceTransactions('cus_demo_ada').filter((t) => t.metadata.case_id === caseId);

  it('routes $49.50 to a Support Lead through Slack and e-mail, then refunds, credits and e-mails the amounts once', async () => {
    const { handle, input } = await open(4500);
    const proposed = await act(handle, proposeCompensationUpdate, { actor: agent, guideline: 'service_outage' });
    const c = comp(proposed);
    assert.deepEqual([c.refundCents, c.creditCents, c.totalCents, c.status], [4500, 450, 4950, 'pending_approval']);
    assert.equal(c.approval?.tier, 'support_lead');
    assert.equal(c.approval?.approvalId, `${input.caseId}-C1`);

    const posted = await slack.waitFor(
      (m) => m.channel === TEST_APPROVALS_CHANNEL && (m.text ?? '').includes(input.caseId),
    );
    assert.match(posted.text ?? '', /Approval needed \(Support Lead\): compensation of \$49\.50/);
    const buttons = JSON.stringify(posted.blocks);
    assert.ok(
      buttons.includes('approval_approve') && buttons.includes('approval_reject'),
      'the post has Approve and Reject buttons',
    );
    assert.ok(buttons.includes(`\\"amountCents\\":4950`), 'the buttons name the amount');
    const mail = await inbox.waitFor((m) => m.headers['x-approval-id'] === c.approval?.approvalId);
    assert.deepEqual(mail.to, ['support-lead@edustream.com']);

    await handle.executeUpdate(decideApprovalUpdate, {
      args: [signed({ actor: lead, approvalId: c.approval!.approvalId, decision: 'approve', amountCents: 4950 })],
    });
    const applied = await waitForView(handle, (v) => comp(v).status === 'applied', 'applied');
    const offered = await inbox.waitFor(
      (m) => m.headers['x-case-id'] === input.caseId && m.headers['x-template-id'] === 'compensation_offered',
    );
    assert.match(offered.text, /I've added \$49\.50 in compensation to your account:/);
    assert.match(offered.text, /- Refund of \$45\.00 to your card\n- Account credit of \$4\.50/);

    const [refund] = caseRefunds(input.caseId);
    const [credit] = caseCredits(input.caseId);
    assert.equal(caseRefunds(input.caseId).length, 1);
    assert.equal(caseCredits(input.caseId).length, 1);
    assert.deepEqual([refund.amount, refund.metadata.idempotency_key], [4500, `case-${input.caseId}:comp-1:refund`]);
    assert.deepEqual([credit.amount, credit.metadata.idempotency_key], [-450, `case-${input.caseId}:comp-1:credit`]);
    assert.equal(comp(applied).refund?.id, refund.id);
    assert.equal(comp(applied).credit?.id, credit.id);
    assert.equal(applied.payment?.amountRefundedCents, 4500);
  });

  it('refuses a Support Lead approving $75, the proposer approving their own and a stale amount; decides once', async () => {
    const { handle, input } = await open(6000);
    const v = await act(handle, proposeCompensationUpdate, {
      actor: agent,
      guideline: 'custom',
      creditCents: 7500,
      reason: 'three cancelled sessions',
    });
    const id = comp(v).approval!.approvalId;
    assert.equal(comp(v).approval?.tier, 'support_manager');

    const byLead = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: lead, approvalId: id, decision: 'approve', amountCents: 7500 })],
      }),
    );
    assert.equal(byLead.type, FailureType.ApprovalNotPermitted);
    assert.match(
      byLead.message,
      /\$75\.00 needs Support Manager approval or above; Support Lead approves up to \$50\.00/,
    );

    const own = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: agent, approvalId: id, decision: 'approve', amountCents: 7500 })],
      }),
    );
    assert.equal(own.type, FailureType.ApprovalNotPermitted);
    assert.match(own.message, /proposer/);

    // The agent changes the proposal; a click on the old request names $75 and is stale.
    const changed = await act(handle, proposeCompensationUpdate, {
      actor: agent,
      guideline: 'custom',
      creditCents: 7000,
      reason: 'two cancelled sessions',
      amends: 1,
    });
    assert.deepEqual([comp(changed).n, comp(changed).totalCents, comp(changed).approval?.approvalId], [1, 7000, id]);
    const staleClick = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: manager, approvalId: id, decision: 'approve', amountCents: 7500 })],
      }),
    );
    assert.equal(staleClick.type, FailureType.StaleApproval);
    // Every refused decision is in the timeline, naming the approver the signature vouches for.
    const refusedUpdates = (await handle.query(caseViewQuery)).timeline.filter(
      (t) => t.action === 'approval_decision_refused',
    );
    assert.deepEqual(
      refusedUpdates.map((t) => t.actor.name),
      [lead.name, agent.name, manager.name],
    );
    assert.match(refusedUpdates[0].detail!, /needs Support Manager approval or above/);
    assert.match(refusedUpdates[1].detail!, /proposer of a compensation cannot decide/);
    assert.match(refusedUpdates[2].detail!, /this decision is for \$75\.00, but compensation #1 is now \$70\.00/);
    assert.equal(comp(await handle.query(caseViewQuery)).status, 'pending_approval', 'and nothing else changed');

    // A signal cannot be refused: the workflow records the refused attempt.
    await handle.signal(
      approvalDecisionSignal,
      signed({
        actor: lead,
        approvalId: id,
        decision: 'approve',
        amountCents: 7000,
      }),
    );
    const attempted = await waitForView(
      handle,
      (x) => x.timeline.filter((t) => t.action === 'approval_decision_refused').length === 4,
      'a refused attempt',
    );
    assert.equal(comp(attempted).status, 'pending_approval');
    assert.match(
      attempted.timeline.filter((t) => t.action === 'approval_decision_refused').at(-1)!.detail!,
      /needs Support Manager approval/,
    );

    await handle.signal(
      approvalDecisionSignal,
      signed({
        actor: manager,
        approvalId: id,
        decision: 'approve',
        amountCents: 7000,
        note: 'fine',
      }),
    );
    const approved = await waitForView(handle, (x) => comp(x).status === 'applied', 'applied');
    assert.equal(comp(approved).approval?.decidedVia, 'signal');
    assert.equal(comp(approved).approval?.decidedBy?.name, 'Morgan Manager');
    const again = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: manager, approvalId: id, decision: 'reject', amountCents: 7000 })],
      }),
    );
    assert.equal(again.type, FailureType.AlreadyDone);
    assert.deepEqual(
      caseCredits(input.caseId).map((t) => t.amount),
      [-7000],
    );
    assert.equal(caseRefunds(input.caseId).length, 0);
  });

  it('pays nothing for forged decision signals (unsigned, wrong secret, another amount, another role, expired) and records each; a signed one pays once', async () => {
    const { handle, input } = await open(6000);
    // $60 refund + a $60 free session = $120: only an Operations Director (or an admin) decides it.
    const v = await act(handle, proposeCompensationUpdate, { actor: agent, guideline: 'tutor_no_show' });
    const { approvalId } = comp(v).approval!;
    assert.deepEqual([comp(v).totalCents, comp(v).approval?.tier], [12000, 'ops_director']);
    const decision = { approvalId, decision: 'approve' as const, amountCents: 12000 };
    // Each forgery claims an approver whose role the rules accept: only the signature stands in the way.
    const forgedDirector = { ...decision, actor: director };
    const forged = [
      forgedDirector,
      signed(forgedDirector, { secret: 'not-the-product-secret-0123456789abcdef' }),
      signed(forgedDirector, { amountCents: 500 }), // a real signature, over $5
      { ...signed({ ...decision, actor: lead }), actor: { ...lead, role: 'ops_director' } }, // a lead's, role raised
      signed({ ...decision, actor: director }, { expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    ];
    for (const f of forged) await handle.signal(approvalDecisionSignal, f);
    const refused = await waitForView(
      handle,
      (x) => x.timeline.filter((t) => t.action === 'approval_decision_refused').length === forged.length,
      'every forged decision refused',
    );
    const details = refused.timeline.filter((t) => t.action === 'approval_decision_refused').map((t) => t.detail!);
    assert.deepEqual(
      details.map((d) => /: (unsigned|bad signature|expired); nothing changed$/.exec(d)?.[1]),
      ['unsigned', 'bad signature', 'bad signature', 'bad signature', 'expired'],
      details.join('\n'),
    );
    assert.match(
      details[0],
      new RegExp(`^${approvalId}: approve of \\$120\\.00 via signal, claiming to be Dana Director \\(ops_director\\)`),
    );
    for (const f of forged.filter((x) => 'signature' in x))
      assert.ok(!JSON.stringify(refused).includes((f as { signature: string }).signature), 'no signature in the view');
    assert.equal(comp(refused).status, 'pending_approval');
    assert.equal(comp(refused).approval?.status, 'pending');
    assert.deepEqual([caseRefunds(input.caseId).length, caseCredits(input.caseId).length], [0, 0], 'nothing paid');

    const real = signed({ ...decision, actor: director, note: 'confirmed with the tutor team' });
    await handle.signal(approvalDecisionSignal, real);
    await handle.signal(approvalDecisionSignal, real); // the same signed decision again
    const applied = await waitForView(
      handle,
      (x) =>
        comp(x).status === 'applied' &&
        x.timeline.filter((t) => t.action === 'approval_decision_refused').length === forged.length + 1,
      'applied, and the repeat refused',
    );
    assert.deepEqual(
      [comp(applied).approval?.decidedBy?.name, comp(applied).approval?.decidedVia],
      ['Dana Director', 'signal'],
    );
    assert.match(
      applied.timeline.filter((t) => t.action === 'approval_decision_refused').at(-1)!.detail!,
      /already approved/,
    );
    assert.deepEqual(
      caseRefunds(input.caseId).map((r) => r.amount),
      [6000],
    );
    assert.deepEqual(
      caseCredits(input.caseId).map((t) => t.amount),
      [-6000],
    );
  });

  it('pays once for a decision signed by `npm run approval-decision` and sent with the command it prints (Temporal CLI)', async () => {
    const { handle, input } = await open(6000);
    const v = await act(handle, proposeCompensationUpdate, { actor: agent, guideline: 'tutor_no_show' });
    const { approvalId } = comp(v).approval!;
    const scriptEnv = {
      ...TEST_ENV,
      APPROVER_TOKEN: TEST_TOKENS.director,
      TEMPORAL_ADDRESS: env.address,
    };
    const { config, workflowId, payload } = signedDecision(
      scriptEnv,
      parseArgs([approvalId, 'approve', '12000', '--note', "the tutor's no-show is confirmed"]),
    );
    const temporalBin = path.resolve(__dirname, '..', '..', '..', '.venv', 'bin', 'temporal');
    const command = cliCommand(workflowId, payload, {
      temporalBin,
      address: config.temporal.address,
      namespace: config.temporal.namespace,
    });
    execFileSync('sh', ['-c', command], { stdio: 'pipe' });
    const applied = await waitForView(handle, (x) => comp(x).status === 'applied', 'applied');
    assert.deepEqual(
      [comp(applied).approval?.decidedBy, comp(applied).approval?.decidedVia, comp(applied).approval?.note],
      [
        { id: 'dana-director', name: 'Dana Director', role: 'ops_director' },
        'signal',
        "the tutor's no-show is confirmed",
      ],
    );
    assert.equal(caseRefunds(input.caseId).length, 1);
    assert.equal(caseCredits(input.caseId).length, 1);
  });

  it("refuses a forged decideApproval Update in a director's name (unsigned, or signed with another secret) with ApprovalNotPermitted and records it", async () => {
    const { handle, input } = await open(6000);
    const v = await act(handle, proposeCompensationUpdate, { actor: agent, guideline: 'tutor_no_show' });
    const forgedDirector = {
      actor: director,
      approvalId: comp(v).approval!.approvalId,
      decision: 'approve' as const,
      amountCents: 12000,
    };
    const unsigned = await refusal(handle.executeUpdate(decideApprovalUpdate, { args: [forgedDirector] }));
    assert.equal(unsigned.type, FailureType.ApprovalNotPermitted);
    assert.match(unsigned.message, /signature.*\(unsigned\)/);
    const otherSecret = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed(forgedDirector, { secret: 'not-the-product-secret-0123456789abcdef' })],
      }),
    );
    assert.equal(otherSecret.type, FailureType.ApprovalNotPermitted);
    assert.match(otherSecret.message, /\(bad signature\)/);

    const after = await handle.query(caseViewQuery);
    assert.deepEqual(
      after.timeline
        .filter((t) => t.action === 'approval_decision_refused')
        .map((t) => /: ([a-z ]+); nothing changed$/.exec(t.detail!)?.[1]),
      ['unsigned', 'bad signature'],
    );
    assert.equal(comp(after).status, 'pending_approval');
    assert.deepEqual([caseRefunds(input.caseId).length, caseCredits(input.caseId).length], [0, 0], 'nothing paid');
  });

  it('reminds an unanswered approval after 4 hours, moves it to the next tier after 24 and expires it after 72, telling the agent', async () => {
    const { handle, input } = await open(3000);
    const v = await act(handle, proposeCompensationUpdate, {
      actor: agent,
      guideline: 'major_inconvenience',
      creditCents: 2000,
    });
    const a = comp(v).approval!;
    const requested = Date.parse(a.requestedAt);
    const mine = (text: string) => (m: { channel: string; text?: string }) =>
      m.channel === TEST_APPROVALS_CHANNEL && (m.text ?? '').includes(input.caseId) && (m.text ?? '').includes(text);
    await slack.waitFor(mine('Approval needed (Support Lead)'));

    await env.sleep('4 hours');
    await slack.waitFor(mine('Reminder: approval still needed (Support Lead)'));
    const reminded = await waitForView(handle, (x) => comp(x).approval?.remindedAt !== undefined);
    assert.ok(
      Math.abs(Date.parse(comp(reminded).approval!.remindedAt!) - requested - 4 * HOUR) < 1000,
      'reminded 4 hours after the request',
    );
    assert.equal(comp(reminded).status, 'pending_approval');

    await env.sleep('20 hours');
    await slack.waitFor(mine('Escalated: approval needed (Support Manager)'));
    const escalated = await waitForView(handle, (x) => comp(x).approval?.tier === 'support_manager');
    const step = comp(escalated).approval!.escalations[0];
    assert.deepEqual([step.from, step.to], ['support_lead', 'support_manager']);
    assert.ok(Math.abs(Date.parse(step.at) - requested - 24 * HOUR) < 1000, 'escalated 24 hours after the request');
    // Now only a manager or above may decide.
    const byLead = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: lead, approvalId: a.approvalId, decision: 'approve', amountCents: 2000 })],
      }),
    );
    assert.equal(byLead.type, FailureType.ApprovalNotPermitted);

    await env.sleep('48 hours');
    const told = await slack.waitFor(
      (m) => m.channel === TEST_APPROVALS_CHANNEL && (m.text ?? '').startsWith(`Alex Agent: approval ${a.approvalId}`),
    );
    assert.match(told.text ?? '', /expired unanswered; nothing was paid/);
    const expired = await waitForView(handle, (x) => comp(x).status === 'expired');
    const at = Date.parse(expired.timeline.find((t) => t.action === 'approval_expired')!.at);
    assert.ok(Math.abs(at - requested - 72 * HOUR) < 1000, 'expired 72 hours after the request');
    assert.equal(caseCredits(input.caseId).length, 0);
    const late = await refusal(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [signed({ actor: manager, approvalId: a.approvalId, decision: 'approve', amountCents: 2000 })],
      }),
    );
    assert.equal(late.type, FailureType.AlreadyDone);
  });

  it('records a permanent Stripe failure and tells the agent, without retrying', async () => {
    const { handle, input } = await open(900);
    const before = stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/refunds').length;
    stripe.failNext('POST', '/v1/refunds', {
      status: 400,
      code: 'charge_already_refunded',
      message: 'Charge has already been refunded.',
    });
    const proposed = await act(handle, proposeCompensationUpdate, { actor: lead, guideline: 'payment_error' });
    await handle.executeUpdate(decideApprovalUpdate, {
      args: [
        signed({
          actor: manager,
          approvalId: comp(proposed).approval!.approvalId,
          decision: 'approve',
          amountCents: comp(proposed).totalCents,
        }),
      ],
    });
    const failed = await waitForView(handle, (v) => comp(v).status === 'failed', 'failed');
    assert.deepEqual(comp(failed).failure && [comp(failed).failure!.step, comp(failed).failure!.type], [
      'refund',
      'StripeChargeAlreadyRefunded',
    ]);
    await slack.waitFor((m) => (m.text ?? '').startsWith('Lee Lead: compensation #1 failed at the refund'));
    assert.equal(
      stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/refunds').length - before,
      1,
      'one attempt, no retry storm',
    );
    assert.equal(caseCredits(input.caseId).length, 0, 'no credit after a failed refund');
  });
});
