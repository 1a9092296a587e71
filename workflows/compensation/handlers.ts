// Compensation on a case: an agent proposes by a guideline of the policy, the workflow
// computes the amounts from the case's payment, routes the total to the approval tier that covers it,
// chases the approvers on durable timers, and once approved pays exactly once: the refund, then the
// credit, then the Compensation Offered e-mail. Stripe webhooks about the case land here too.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  canApprove,
  computeCompensation,
  formatCents,
  nextTier,
  type CompensationAmounts,
  type CompensationPayment,
} from '../../src/policy/compensation';
import { amountForTier, decisionRefusal, tierForAmount } from '../../src/policy/approvals';
import { checkApprovalDecision, checkStripeEvent } from '../../src/policy/signal-checks';
import type { ApprovalClocks, ApprovalTier, Role } from '../../src/policy/types';
import { MINUTE, SYSTEM, type CaseContext } from '../case/context';
import type { Actor } from '../case/state';
import {
  approvalDecisionSignal,
  approvalIdOf,
  APPROVAL_ID_PATTERN,
  CaseApprovalCentsAttr,
  CaseApprovalIdAttr,
  CaseApprovalProposerAttr,
  CaseApprovalTierAttr,
  CasePaymentIntentAttr,
  CasePendingApprovalAttr,
  CompensationFailure as FailureType,
  decideApprovalUpdate,
  proposeCompensationUpdate,
  stripeEventSignal,
  type ApprovalDecisionInput,
  type ProposeCompensationInput,
  type StripeEventInput,
} from './contract';
import type { CompensationRecord } from './state';

// Money moves once per business key, so retrying is safe; transient Stripe trouble backs off to a
// retry every 10 minutes (no storm) for up to a day. Permanent answers are non-retryable failures.
const money = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// Notices are best effort: a Slack or mail outage is recorded on the case, never blocks the money.
const notices = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['NotConfigured', 'SlackRejected'],
  },
});

// Checking a decision's signature is cheap and pure: a short timeout and a few quick retries, and a
// worker that cannot check it refuses the decision rather than holding the case.
const checks = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Approval clocks of policies pinned before approvals existed. */
const DEFAULT_CLOCKS: ApprovalClocks = {
  reminderMinutes: 4 * 60,
  escalateMinutes: 24 * 60,
  expireMinutes: 3 * 24 * 60,
};
/** Statuses in which a compensation may be proposed. */
const PROPOSABLE = ['new', 'open', 'awaiting_customer', 'resolved'];
/** Patch ids of compensation rules changed while cases were running. */
const FOUR_EYES_PATCH = 'compensation-four-eyes';
const DECISION_REFUSALS_PATCH = 'decision-refusals-in-timeline';
const APPROVAL_CLOCK_PATCH = 'approval-clock-follows-amendments';
const DISPUTE_PATCH = 'dispute-raises-trigger-in-workflow';
const SIGNED_DECISIONS_PATCH = 'signed-approval-decisions';
/** Stripe, as the actor of what its webhooks bring. */
const STRIPE: Actor = { id: 'stripe', name: 'Stripe webhook', role: 'system' };
/** How many handled Stripe event ids a case remembers (Stripe retries an event for 3 days, not forever). */
const EVENT_MEMORY = 50;

/** Installs compensation, approvals and Stripe webhook handling on a case. */
export function compensationFeature(ctx: CaseContext): void {
  const { input, view, record, now } = ctx;
  const { policy } = input;
  const clocks = policy.approvals ?? DEFAULT_CLOCKS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const comps = (): CompensationRecord[] => (view.compensations ??= []);
  const fmt = (cents: number, currency: string) => formatCents(cents, currency);
  const failure = (type: string) => (message: string) =>
    ApplicationFailure.create({ type, nonRetryable: true, message });
  const notPermitted = failure(FailureType.ApprovalNotPermitted);
  const stale = failure(FailureType.StaleApproval);

  // Cases opened before the four-eyes rules keep theirs: one pending compensation that a new
  // proposal amends, proposers approving within their own tier, admin above every tier.
  const fourEyes = patched(FOUR_EYES_PATCH);
  // Cases started before this refused decisions in the Update's validator, which leaves no trace;
  // now the handler refuses them and the refusal is in the timeline (every refused decision is).
  const refusalsInTimeline = patched(DECISION_REFUSALS_PATCH);

  // ---- search attributes and the Web UI card ----
  // Cases recorded before this feature never upserted these attributes; the marker keeps their replay exact.
  const publishAttributes = patched('compensation-search-attributes');
  ctx.addPublisher({
    searchAttributes: () => {
      if (!publishAttributes) return [];
      const pending = comps().find((c) => c.status === 'pending_approval');
      return [
        { key: CasePendingApprovalAttr, value: pending !== undefined },
        { key: CaseApprovalTierAttr, value: pending?.approval?.tier ?? null },
        { key: CaseApprovalCentsAttr, value: pending?.totalCents ?? null },
        { key: CaseApprovalIdAttr, value: pending?.approval?.approvalId ?? null },
        { key: CaseApprovalProposerAttr, value: pending?.proposedBy.name ?? null },
        { key: CasePaymentIntentAttr, value: view.payment?.paymentIntentId ?? input.paymentIntentId ?? null },
      ];
    },
    details: () =>
      comps().map(
        (c) =>
          `**Compensation #${c.n}:** ${fmt(c.totalCents, c.currency)} ${c.status.replace('_', ' ')}` +
          `${c.approval?.status === 'pending' ? ` (${c.approval.tierLabel})` : ''}${c.refund ? ` · refund ${c.refund.id}` : ''}${c.credit ? ` · credit ${c.credit.id}` : ''}`,
      ),
  });

  // ---- rules ----
  const tierRank = (role: Role | string): number =>
    role === 'admin' ? Number.MAX_SAFE_INTEGER : policy.approvalTiers.findIndex((t) => t.role === role);
  const contactOf = (tier: ApprovalTier) => policy.contacts.find((c) => c.id === tier.contactId)?.contact;
  const paymentOf = (): CompensationPayment | null => {
    const p = view.payment;
    if (!p?.found || !p.succeeded || p.amountCents === undefined || !p.currency) return null;
    return { amountCents: p.amountCents, amountRefundedCents: p.amountRefundedCents ?? 0, currency: p.currency };
  };
  /** The category's escalation trigger a Stripe dispute raises (policies pinned before `raisedBy` name it by id). */
  const disputeTrigger = (): string | undefined => {
    const triggers = policy.categories.find((c) => c.id === view.category)?.escalationTriggers ?? [];
    return (
      triggers.find((t) => t.raisedBy === 'stripe.dispute') ?? triggers.find((t) => t.id === 'disputed-transaction')
    )?.id;
  };
  const pendingComp = () => comps().find((c) => c.status === 'pending_approval');
  /** The pending compensation a proposal changes: the one it names (four-eyes rules), else the only pending one. */
  const amendedBy = (i: ProposeCompensationInput): CompensationRecord | undefined => {
    if (!fourEyes) return pendingComp();
    if (i.amends === undefined) return undefined;
    const c = comps().find((x) => x.n === i.amends);
    if (!c || c.status !== 'pending_approval')
      throw ctx.invalid(
        `compensation #${i.amends} is not waiting for approval: only a pending compensation can be changed`,
      );
    return c;
  };

  /** The amounts of a proposal and whether it needs an approver, or a refusal (thrown before anything reaches history). */
  function plan(i: ProposeCompensationInput): CompensationAmounts & { needsApproval: boolean } {
    if (!PROPOSABLE.includes(view.status))
      throw ctx.forbidden(`the case is ${view.status.replace('_', ' ')}: compensation is not allowed`);
    const busy = comps().find((c) => c.status === 'approved' || c.status === 'applying');
    if (busy) throw ctx.forbidden(`compensation #${busy.n} is being applied; propose again once it is done`);
    const r = computeCompensation(
      policy,
      { guideline: i.guideline, creditCents: i.creditCents, refundCents: i.refundCents, reason: i.reason },
      paymentOf(),
    );
    if (!r.ok) throw ctx.invalid(r.error);
    if (r.creditCents + r.freeSessionCreditCents > 0 && !input.customer.stripeCustomerId) {
      throw ctx.invalid("a credit goes to the customer's Stripe balance, and this case has no Stripe customer id");
    }
    const same = (c: CompensationRecord) =>
      c.totalCents === r.totalCents &&
      c.refundCents === r.refundCents &&
      c.creditCents === r.creditCents &&
      c.freeSessionCreditCents === r.freeSessionCreditCents;
    const amended = amendedBy(i);
    const pending = fourEyes
      ? (amended ? [amended] : comps().filter((c) => c.status === 'pending_approval')).find(same)
      : amended && same(amended)
        ? amended
        : undefined;
    if (pending)
      throw ctx.alreadyDone(
        `compensation #${pending.n} already proposes exactly this and waits for ${pending.approval?.tierLabel ?? 'approval'}`,
      );
    if (!fourEyes) return { ...r, needsApproval: !canApprove(policy, i.actor.role as Role, r.totalCents) };
    // The tier comes from everything the case pays out in the window, and the first tier alone needs nobody else.
    const others = comps()
      .filter((c) => c !== amended)
      .map((c) => ({ n: c.n, totalCents: c.totalCents, status: c.status, proposedAtMs: Date.parse(c.proposedAt) }));
    const counted = amountForTier(r.totalCents, others, Date.now());
    let picked: ReturnType<typeof tierForAmount>;
    try {
      picked = tierForAmount(policy, counted);
    } catch {
      throw ctx.invalid(`no approval tier of the policy covers ${fmt(counted, r.currency)}`);
    }
    return { ...r, tier: picked.tier, needsApproval: picked.needsApproval };
  }

  /** Why a decision cannot be taken, as the failure an Update would be refused with; null when it can. */
  function refusal(i: ApprovalDecisionInput): ApplicationFailure | null {
    const m = APPROVAL_ID_PATTERN.exec(i.approvalId);
    const c = m && m[1] === input.caseId ? comps().find((x) => x.n === Number(m[2])) : undefined;
    const a = c?.approval;
    if (!c || !a) return ctx.invalid(`case ${input.caseId} has no approval request '${i.approvalId}'`);
    if (a.status !== 'pending') {
      return ctx.alreadyDone(
        `approval ${a.approvalId} is already ${a.status}${a.decidedBy ? ` by ${a.decidedBy.name}` : ''}`,
      );
    }
    if (i.decision !== 'approve' && i.decision !== 'reject') return ctx.invalid('decision must be approve or reject');
    if (c.status !== 'pending_approval')
      return ctx.alreadyDone(
        `compensation #${c.n} is ${c.status.replace('_', ' ')}: its approval can no longer be decided`,
      );
    if (i.actor.id === c.proposedBy.id)
      return notPermitted('the proposer of a compensation cannot decide its approval');
    const denied = fourEyes
      ? decisionRefusal(policy, i.actor, c.proposedBy.id, a.tier) !== null
      : tierRank(i.actor.role) < tierRank(a.tier);
    if (denied) {
      const own = policy.approvalTiers.find((t) => t.role === i.actor.role);
      return notPermitted(
        `${fmt(c.totalCents, c.currency)} needs ${a.tierLabel} approval or above` +
          `${own ? `; ${own.label} approves up to ${own.maxCents === null ? 'any amount' : fmt(own.maxCents, c.currency)}` : ''}`,
      );
    }
    if (i.amountCents !== c.totalCents) {
      return stale(
        `this decision is for ${fmt(i.amountCents, c.currency)}, but compensation #${c.n} is now ${fmt(c.totalCents, c.currency)}: decide on the current amount`,
      );
    }
    return null;
  }

  // ---- proposals ----
  ctx.action<ProposeCompensationInput>(
    proposeCompensationUpdate,
    null,
    (i) => {
      plan(i);
    },
    (i) => propose(i),
  );
  // An outage's resolution proposes the seed's compensation on every linked case with a booking
  // payment, under the usual tiers; what the rules refuse is recorded, never thrown.
  ctx.on('compensationRequested', ({ actor, guideline, issue }) => {
    if (!view.payment?.found) {
      record(actor, 'compensation_not_proposed', `${guideline}: the case has no booking payment`);
      return;
    }
    const i: ProposeCompensationInput = { actor, guideline, issue };
    try {
      plan(i);
    } catch (err) {
      record(actor, 'compensation_not_proposed', `${guideline}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    propose(i);
  });

  function propose(i: ProposeCompensationInput): { compensation: number; approvalId?: string } {
    {
      const r = plan(i);
      const proposer = { id: i.actor.id, name: i.actor.name, role: i.actor.role };
      const amended = amendedBy(i);
      const c: CompensationRecord = amended ?? {
        n: comps().length + 1,
        guideline: i.guideline,
        issue: '',
        proposedBy: proposer,
        proposedAt: now(),
        refundCents: 0,
        creditCents: 0,
        freeSessionCreditCents: 0,
        totalCents: 0,
        currency: r.currency,
        lines: [],
        status: 'approved',
      };
      Object.assign(c, {
        guideline: i.guideline,
        issue: i.issue?.trim() || input.subject,
        proposedBy: proposer,
        proposedAt: now(),
        refundCents: r.refundCents,
        creditCents: r.creditCents,
        freeSessionCreditCents: r.freeSessionCreditCents,
        totalCents: r.totalCents,
        currency: r.currency,
        lines: r.lines,
      });
      if (i.reason?.trim()) c.reason = i.reason.trim();
      else delete c.reason;
      if (!amended) comps().push(c);
      const summary = `#${c.n}: ${r.lines.join(' + ')} = ${fmt(r.totalCents, r.currency)}`;
      if (!r.needsApproval) {
        const within = fourEyes
          ? `within ${r.tier.label}, no approval needed`
          : `within ${i.actor.name}'s own authority`;
        c.status = 'approved';
        if (c.approval)
          Object.assign(c.approval, {
            status: 'approved',
            decidedBy: proposer,
            decidedAt: now(),
            decidedVia: 'api',
            note: fourEyes ? within : "within the proposer's own authority",
          });
        record(i.actor, amended ? 'compensation_changed' : 'compensation_proposed', `${summary}, ${within}`);
        return { compensation: c.n };
      }
      const t = Date.now();
      const revision = (c.approval?.revision ?? 0) + 1;
      c.status = 'pending_approval';
      c.approval = {
        approvalId: approvalIdOf(input.caseId, c.n),
        tier: r.tier.role,
        tierLabel: r.tier.label,
        contact: contactOf(r.tier),
        status: 'pending',
        requestedAt: iso(t),
        remindAt: iso(t + clocks.reminderMinutes * MINUTE),
        escalateAt: iso(t + clocks.escalateMinutes * MINUTE),
        expiresAt: iso(t + clocks.expireMinutes * MINUTE),
        escalations: [],
        revision,
      };
      record(
        i.actor,
        amended ? 'compensation_changed' : 'compensation_proposed',
        `${summary}, needs ${r.tier.label} approval (${c.approval.approvalId})`,
      );
      notifyApprovers(c, 'request');
      if (!amended) void approvalClock(c);
      return { compensation: c.n, approvalId: c.approval.approvalId };
    }
  }

  // ---- decisions: Update (API, Slack) and signal (Temporal CLI/UI) ----
  function decide(i: ApprovalDecisionInput, via: 'api' | 'slack' | 'signal') {
    const c = comps().find((x) => x.approval?.approvalId === i.approvalId)!;
    const a = c.approval!;
    Object.assign(a, {
      status: i.decision === 'approve' ? 'approved' : 'rejected',
      decidedBy: { id: i.actor.id, name: i.actor.name, role: i.actor.role },
      decidedAt: now(),
      decidedVia: via,
    });
    if (i.note?.trim()) a.note = i.note.trim();
    c.status = i.decision === 'approve' ? 'approved' : 'rejected';
    record(
      i.actor,
      i.decision === 'approve' ? 'compensation_approved' : 'compensation_rejected',
      `${a.approvalId}: ${fmt(c.totalCents, c.currency)} via ${via}${a.note ? ` (${a.note})` : ''}`,
    );
    if (c.status === 'rejected')
      tellAgent(
        c,
        `${i.actor.name} rejected compensation #${c.n} (${fmt(c.totalCents, c.currency)})${a.note ? `: ${a.note}` : ''}`,
      );
  }

  /**
   * Why the product's signature does not vouch for this decision ('unsigned', 'bad signature',
   * 'expired'), or null. The actor in a payload is only a claim: anyone who can signal the namespace
   * can write one; the signature says the API authenticated them (DESIGN.md, decision 12).
   */
  async function signatureRefusal(i: ApprovalDecisionInput): Promise<string | null> {
    const claim = {
      approvalId: i.approvalId,
      decision: i.decision,
      amountCents: i.amountCents,
      approver: { id: i.actor.id, name: i.actor.name, role: i.actor.role },
      expiresAt: i.expiresAt ?? '',
    };
    try {
      const v = await checks.verifyApprovalDecision({ claim, ...(i.signature ? { signature: i.signature } : {}) });
      return v.ok ? null : (v.reason ?? 'bad signature');
    } catch (err) {
      return `the signature could not be checked (${messageOf(err)})`;
    }
  }

  /** Records a decision its signature does not vouch for: what it claimed, never the signature. */
  function recordUnsigned(i: ApprovalDecisionInput, via: 'api' | 'slack' | 'signal', reason: string) {
    const currency = comps().find((c) => c.approval?.approvalId === i.approvalId)?.currency ?? 'usd';
    record(
      SYSTEM,
      'approval_decision_refused',
      `${i.approvalId}: ${i.decision} of ${fmt(i.amountCents, currency)} via ${via}, claiming to be ` +
        `${i.actor.name.slice(0, 100)} (${i.actor.role.slice(0, 50)}): ${reason}; nothing changed`,
    );
    ctx.publish();
  }

  ctx.action<ApprovalDecisionInput>(
    decideApprovalUpdate,
    null,
    (i) => {
      if (refusalsInTimeline) return;
      const no = refusal(i);
      if (no) throw no;
    },
    (i) => {
      const via = i.via === 'slack' ? 'slack' : 'api';
      // Cases whose history has no marker here decided as the payload's actor, unchecked.
      if (!patched(SIGNED_DECISIONS_PATCH)) return decide(i, via);
      return (async () => {
        const unsigned = await signatureRefusal(i);
        if (unsigned) {
          recordUnsigned(i, via, unsigned);
          throw notPermitted(`the decision does not carry a valid signature of the product (${unsigned})`);
        }
        const no = refusal(i); // the case may have moved while the signature was checked
        if (no) {
          if (refusalsInTimeline) {
            // The signature vouches for the actor, so the refusal names them.
            record(i.actor, 'approval_decision_refused', `${i.approvalId}: ${no.message}`);
            ctx.publish();
          }
          throw no;
        }
        decide(i, via);
        return { approvalId: i.approvalId };
      })();
    },
  );

  // A signal cannot be refused, so the rules run here and a refused decision is recorded as an attempt.
  ctx.signal(approvalDecisionSignal, 'approval_decision', checkApprovalDecision, (i) => {
    const actor: Actor = { id: i.actor.id, name: i.actor.name, role: i.actor.role };
    const byRules = () => {
      const no = refusal({ ...i, actor });
      if (no) record(actor, 'approval_decision_refused', `${i.approvalId}: ${no.message}`);
      else decide({ ...i, actor }, 'signal');
      ctx.publish();
    };
    // Cases whose history has no marker here trusted the payload's actor.
    if (!patched(SIGNED_DECISIONS_PATCH)) return byRules();
    return (async () => {
      const unsigned = await signatureRefusal({ ...i, actor });
      if (unsigned) recordUnsigned({ ...i, actor }, 'signal', unsigned);
      else byRules();
    })();
  });

  // ---- approval clocks: reminder, next tier, expiry (durable timers, exact to the second) ----
  async function approvalClock(c: CompensationRecord): Promise<void> {
    const first = c.approval!;
    while (c.status === 'pending_approval') {
      // Every time round, the current request: an amendment replaces it (cases whose history has
      // no marker here kept acting on the first one).
      const a = patched(APPROVAL_CLOCK_PATCH) ? c.approval! : first;
      const revision = a.revision;
      const up = a.escalations.length === 0 ? nextTier(policy, a.tier) : null;
      const due = [
        ...(a.remindedAt ? [] : [{ kind: 'reminder' as const, at: Date.parse(a.remindAt) }]),
        ...(up ? [{ kind: 'escalation' as const, at: Date.parse(a.escalateAt) }] : []),
        { kind: 'expiry' as const, at: Date.parse(a.expiresAt) },
      ].sort((x, y) => x.at - y.at)[0];
      const moved = () => c.status !== 'pending_approval' || a.revision !== revision;
      if (await condition(moved, Math.max(0, due.at - Date.now()), { summary: `Approval ${a.approvalId} ${due.kind}` }))
        continue;
      await ctx.exclusive(() => {
        if (moved()) return;
        if (due.kind === 'reminder') {
          a.remindedAt = now();
          record(SYSTEM, 'approval_reminded', `${a.approvalId}: still waiting for ${a.tierLabel}`);
          notifyApprovers(c, 'reminder');
        } else if (due.kind === 'escalation' && up) {
          a.escalations.push({ at: now(), from: a.tier, to: up.role });
          record(SYSTEM, 'approval_escalated', `${a.approvalId}: ${a.tierLabel} did not answer, now ${up.label}`);
          Object.assign(a, { tier: up.role, tierLabel: up.label, contact: contactOf(up) });
          notifyApprovers(c, 'escalation');
        } else {
          a.status = 'expired';
          c.status = 'expired';
          record(
            SYSTEM,
            'approval_expired',
            `${a.approvalId}: no decision within ${clocks.expireMinutes / 60} hours; the agent was told`,
          );
          tellAgent(
            c,
            `approval ${a.approvalId} for ${fmt(c.totalCents, c.currency)} expired unanswered; nothing was paid`,
          );
        }
        ctx.publish();
      });
    }
  }

  function notifyApprovers(c: CompensationRecord, kind: 'request' | 'reminder' | 'escalation') {
    const a = c.approval!;
    const notice = {
      caseId: input.caseId,
      approvalId: a.approvalId,
      kind,
      tierLabel: a.tierLabel,
      amountCents: c.totalCents,
      amountText: fmt(c.totalCents, c.currency),
      lines: c.lines,
      proposedBy: c.proposedBy.name,
      guideline: c.guideline,
      ...(c.reason ? { reason: c.reason } : {}),
      expiresAt: a.expiresAt,
    };
    const { revision, contact } = a;
    void (async () => {
      try {
        a.slack = await notices.postApprovalRequest(notice);
      } catch (err) {
        record(SYSTEM, 'approval_notice_failed', `Slack: ${messageOf(err)}`);
      }
      if (contact) {
        try {
          await notices.emailApprovalRequest({ ...notice, to: contact, revision });
        } catch (err) {
          record(SYSTEM, 'approval_notice_failed', `e-mail to ${contact}: ${messageOf(err)}`);
        }
      }
      ctx.publish();
    })();
  }

  /** Tells the proposing agent, in the approvals channel, naming them; the case records it. */
  function tellAgent(c: CompensationRecord, text: string) {
    record(SYSTEM, 'agent_notified', `${c.proposedBy.name}: ${text}`);
    void (async () => {
      try {
        await notices.postCompensationNotice({ caseId: input.caseId, text: `${c.proposedBy.name}: ${text}` });
      } catch (err) {
        record(SYSTEM, 'agent_notice_failed', `Slack: ${messageOf(err)}`);
        ctx.publish();
      }
    })();
  }

  // ---- execution, exactly once: refund, then credit, then the e-mail ----
  const key = (c: CompensationRecord, step: 'refund' | 'credit') => `case-${input.caseId}:comp-${c.n}:${step}`;

  async function execute(c: CompensationRecord): Promise<void> {
    c.status = 'applying';
    ctx.publish();
    if (c.refundCents > 0 && !c.refund) {
      try {
        const r = await money.createRefund({
          idempotencyKey: key(c, 'refund'),
          paymentIntentId: view.payment!.paymentIntentId,
          amountCents: c.refundCents,
          caseId: input.caseId,
        });
        c.refund = { id: r.refundId, amountCents: r.amountCents, status: r.status };
        if (view.payment) view.payment.amountRefundedCents = (view.payment.amountRefundedCents ?? 0) + r.amountCents;
        record(
          SYSTEM,
          'refund_created',
          `#${c.n}: ${r.refundId}, ${fmt(r.amountCents, c.currency)}${r.existing ? ' (found by its key: not repeated)' : ''}`,
        );
        ctx.publish();
      } catch (err) {
        return failed(c, 'refund', err);
      }
    }
    const creditCents = c.creditCents + c.freeSessionCreditCents;
    if (creditCents > 0 && !c.credit) {
      try {
        const t = await money.creditCustomerBalance({
          idempotencyKey: key(c, 'credit'),
          customerId: input.customer.stripeCustomerId!,
          amountCents: creditCents,
          currency: c.currency,
          description: `EduStream goodwill credit, case ${input.caseId}, compensation #${c.n}`,
          caseId: input.caseId,
        });
        c.credit = { id: t.balanceTransactionId, amountCents: creditCents };
        record(
          SYSTEM,
          'credit_created',
          `#${c.n}: ${t.balanceTransactionId}, ${fmt(creditCents, c.currency)}${t.existing ? ' (found by its key: not repeated)' : ''}`,
        );
      } catch (err) {
        return failed(c, 'credit', err);
      }
    }
    c.status = 'applied';
    c.appliedAt = now();
    ctx.queueEmail('compensation_offered', {
      agent: c.proposedBy.name,
      issue: c.issue,
      compensation: `${fmt(c.totalCents, c.currency)} in compensation`,
      compensationLines: c.lines.map((l) => `- ${l}`).join('\n'),
    });
    record(
      SYSTEM,
      'compensation_applied',
      `#${c.n}: ${fmt(c.totalCents, c.currency)}; Compensation Offered e-mail queued`,
    );
    ctx.publish();
  }

  function failed(c: CompensationRecord, step: 'refund' | 'credit', err: unknown) {
    const type =
      err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
        ? (err.cause.type ?? 'Error')
        : err instanceof ActivityFailure && err.cause instanceof TimeoutFailure
          ? 'Timeout'
          : 'Error';
    const message = messageOf(err);
    c.status = 'failed';
    c.failure = { step, type, message };
    record(
      SYSTEM,
      'compensation_failed',
      `#${c.n} ${step}: ${type}: ${message}${step === 'credit' && c.refund ? ` (refund ${c.refund.id} stands)` : ''}`,
    );
    tellAgent(c, `compensation #${c.n} failed at the ${step}: ${message}`);
    ctx.publish();
  }

  // One compensation at a time, in order; a continued-as-new case picks up where it was.
  void (async () => {
    for (;;) {
      await condition(() => comps().some((c) => c.status === 'approved' || c.status === 'applying'));
      await execute(comps().find((c) => c.status === 'approved' || c.status === 'applying')!);
    }
  })();
  for (const c of comps()) if (c.status === 'pending_approval') void approvalClock(c);

  // ---- Stripe webhooks ----
  ctx.signal(stripeEventSignal, 'stripe_event', checkStripeEvent, (e) => {
    const seen = (view.stripeEventIds ??= []);
    if (seen.includes(e.id)) return; // a replayed event: no second effect
    seen.push(e.id);
    if (seen.length > EVENT_MEMORY) seen.splice(0, seen.length - EVENT_MEMORY);
    onStripeEvent(e);
    ctx.publish();
  });

  function onStripeEvent(e: StripeEventInput) {
    const amountText = (cents?: number, cur?: string) => (cents === undefined ? '' : `, ${fmt(cents, cur ?? 'usd')}`);
    switch (e.type) {
      case 'charge.dispute.created': {
        view.dispute = {
          disputeId: e.objectId,
          openedAt: now(),
          ...(e.chargeId ? { chargeId: e.chargeId } : {}),
          ...(e.amountCents !== undefined ? { amountCents: e.amountCents } : {}),
          ...(e.currency ? { currency: e.currency } : {}),
          ...(e.reason ? { reason: e.reason } : {}),
          ...(e.status ? { status: e.status } : {}),
        };
        record(
          SYSTEM,
          'dispute_opened',
          `${e.objectId}${e.reason ? ` (${e.reason})` : ''}${amountText(e.amountCents, e.currency)}`,
        );
        // The seed escalates disputed transactions. Cases whose history has no marker here had the
        // webhook route flag the trigger with a second Update instead.
        if (patched(DISPUTE_PATCH)) {
          const trigger = disputeTrigger();
          if (trigger)
            ctx.emit({
              type: 'triggerRaised',
              actor: STRIPE,
              triggerId: trigger,
              note: `Stripe dispute ${e.objectId}`,
            });
        }
        break;
      }
      case 'refund.updated':
      case 'refund.failed': {
        const c = comps().find((x) => x.refund?.id === e.objectId);
        if (c?.refund) {
          c.refund.status = e.status ?? (e.type === 'refund.failed' ? 'failed' : c.refund.status);
          if (e.failureReason) c.refund.failureReason = e.failureReason;
        }
        if (e.type === 'refund.failed' || e.status === 'failed') {
          record(SYSTEM, 'refund_failed', `${e.objectId}${e.failureReason ? `: ${e.failureReason}` : ''}`);
          if (c)
            tellAgent(
              c,
              `Stripe reports refund ${e.objectId} of compensation #${c.n} failed${e.failureReason ? ` (${e.failureReason})` : ''}`,
            );
        } else {
          record(SYSTEM, 'refund_updated', `${e.objectId}: ${e.status ?? 'updated'}`);
        }
        break;
      }
      case 'payment_intent.payment_failed': {
        const p = view.payment ?? { paymentIntentId: e.objectId, found: true, checkedAt: now() };
        Object.assign(
          p,
          { status: e.status ?? 'requires_payment_method', succeeded: false, checkedAt: now() },
          e.declineCode ? { declineCode: e.declineCode } : {},
          e.declineMessage ? { declineMessage: e.declineMessage } : {},
        );
        view.payment = p;
        record(
          SYSTEM,
          'payment_failed',
          `${e.objectId}: ${e.declineCode ?? 'declined'}${e.declineMessage ? ` (${e.declineMessage})` : ''}`,
        );
        break;
      }
      default:
        record(SYSTEM, 'stripe_event_ignored', `${String((e as { type?: unknown }).type)}`);
    }
  }
}

function messageOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
