// One support case, from intake to the customer's rating. The workflow decides; activities act.
// Everything here must be deterministic: Date.now() is workflow time, and no I/O happens outside
// activities.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { checkCustomerReply } from '../../src/policy/signal-checks';
import type { Activities } from '../../activities';
import { describeMinutes, recategorizeChecklist, statusAllows, type ChecklistStep } from '../../src/policy/rules';
import { factsFromView } from '../../src/metrics/facts';
import { installCapabilities } from '../capabilities';
import type { CaseState, CaseView } from '../case-view';
import { SLA_PATCH } from '../clocks/handlers';
import { createCaseContext, CUSTOMER, MINUTE, SYSTEM } from './context';
import { openedEntry, openingCore, openingFacts } from './opening';
import { lastCustomerEmail } from '../conversation/handlers';
import { BOUNDED_STATE_PATCH, installBoundedTrail } from './trail';
import {
  addNoteUpdate,
  assignUpdate,
  caseViewQuery,
  closeUpdate,
  completeStepUpdate,
  customerReplySignal,
  rateUpdate,
  reopenUpdate,
  replyUpdate,
  requestVerificationUpdate,
  resolveUpdate,
  setCategoryUpdate,
  skipStepUpdate,
  waitForCustomerUpdate,
  type AssignInput,
  type CaseInput,
  type CaseResult,
  type CloseInput,
  type CompleteStepInput,
  type NoteInput,
  type RateInput,
  type ReopenInput,
  type ReplyInput,
  type ResolveInput,
  type SetCategoryInput,
  type SkipStepInput,
  type VerificationRequestInput,
  type WaitForCustomerInput,
} from './contract';
import type { Actor } from './state';

// Lookups an agent waits for: a few quick tries, then the step records that Stripe did not answer.
const { lookupPayment, verifyCustomerIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidEvidence'] },
});

/**
 * History length and size at which a case continues as new: well under Temporal's limits (50k
 * events, 50 MB) and its own suggestion, and long before replaying a cached-out case gets slow.
 * Size matters more than count here: every Update result carries the whole case view.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2000;
const CONTINUE_AS_NEW_AFTER_BYTES = 2 * 1024 * 1024;

/**
 * The Welcome template's [issue summary], from the customer's first message: its subject without
 * reply and forward prefixes, else its first sentence; at most 160 characters.
 */
function issueSummary(input: CaseInput): string {
  const subject = input.subject.replace(/^\s*((re|fwd?|aw|wg)\s*:\s*)+/i, '').trim();
  const text = subject || (input.description.split(/(?<=[.!?])\s|\n/)[0]?.trim() ?? '');
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Workflow type of a case. Renaming it strands running cases. */
export async function supportCaseWorkflow(input: CaseInput): Promise<CaseResult> {
  const { policy } = input;
  const facts = openingFacts(input);
  const { links, playbooks } = facts;
  // The API passes the moment it opened the case, so the view it answered with is this one.
  const openedAtMs = input.openedAt ? Date.parse(input.openedAt) : workflowInfo().startTime.getTime();

  const state: CaseState = input.resume ?? {
    view: openingCore(input, openedAtMs, facts),
    resolutionEpoch: 0,
    closedAtMs: 0,
    outbox: [],
  };
  const ctx = createCaseContext(input, state);
  const { view, record, setStatus, queueEmail, exclusive, publish, invalid, action } = ctx;
  const now = ctx.now;

  const findStep = (stepId: string): ChecklistStep => {
    const step = view.checklist.find((s) => s.id === stepId);
    if (!step) throw invalid(`the checklist has no step '${stepId}'`);
    return step;
  };
  const pendingStep = (stepId: string): ChecklistStep => {
    const step = findStep(stepId);
    if (step.state !== 'pending') throw ctx.alreadyDone(`step '${stepId}' is already ${step.state}`);
    return step;
  };
  const markFirstResponse = (actor: Actor) => {
    view.times.firstResponseAt ??= now();
    ctx.emit({ type: 'agentResponse', actor });
  };
  const openIfNew = () => {
    if (view.status === 'new') setStatus('open');
  };
  const reopenWindowOpen = () =>
    view.status !== 'closed' || Date.now() - state.closedAtMs <= policy.reopen.windowMinutes * MINUTE;

  action<AssignInput>(
    assignUpdate,
    'assign',
    () => undefined,
    ({ actor, assignee }) => {
      view.assignee = assignee;
      openIfNew();
      record(actor, 'assigned', `to ${assignee.name}`);
    },
  );

  action<ReplyInput>(
    replyUpdate,
    'reply',
    () => undefined,
    ({ actor, message }) => {
      if (!view.assignee) view.assignee = { id: actor.id, name: actor.name };
      openIfNew();
      const firstEmailReply = input.channel === 'email' && !view.emails.some((e) => e.templateId === 'welcome');
      let emailN: number | undefined;
      if (input.channel === 'email') {
        // A reply in the customer's own thread: it answers their last e-mail, and quotes nothing.
        const answered = lastCustomerEmail(state.conversation);
        emailN = queueEmail(
          firstEmailReply ? 'welcome' : 'agent_reply',
          { agent: actor.name, message, issueSummary: issueSummary(input) },
          undefined,
          answered?.messageId
            ? {
                inReplyTo: answered.messageId,
                references: [...(answered.inReplyTo ? [answered.inReplyTo] : []), answered.messageId],
              }
            : undefined,
        );
      }
      // Chat and in-app replies are posted to the customer's chat page; e-mail ones go out by e-mail.
      ctx.emit({ type: 'agentReplied', actor, text: message, ...(emailN !== undefined ? { emailN } : {}) });
      markFirstResponse(actor);
      record(actor, 'replied', firstEmailReply ? 'first reply, Welcome template' : undefined);
    },
  );

  action<VerificationRequestInput>(
    requestVerificationUpdate,
    'requestVerification',
    () => undefined,
    ({ actor }) => {
      openIfNew();
      queueEmail('account_verification', { agent: actor.name });
      markFirstResponse(actor);
      setStatus('awaiting_customer');
      record(actor, 'verification_requested');
    },
  );

  action<CompleteStepInput>(
    completeStepUpdate,
    'completeStep',
    ({ stepId, evidence }) => {
      const step = pendingStep(stepId);
      if (step.automation === 'stripe.verifyIdentity' && !evidence)
        throw invalid(`step '${stepId}' needs evidence: the e-mail and last 4 digits the customer gave`);
    },
    async ({ actor, stepId, note, evidence }) => {
      const step = pendingStep(stepId);
      openIfNew();
      if (step.automation === 'stripe.verifyIdentity' && evidence) {
        let verified: boolean;
        try {
          ({ verified } = await verifyCustomerIdentity({
            customerId: input.customer.stripeCustomerId,
            email: input.customer.email,
            ...('sealed' in evidence
              ? { sealed: evidence.sealed }
              : { claimedEmail: evidence.email, last4: evidence.last4 }),
          }));
        } catch {
          record(actor, 'identity_check_failed', 'Stripe could not be asked; try again');
          return;
        }
        view.identity = { verified, checkedAt: now(), by: actor.name };
        record(actor, verified ? 'identity_verified' : 'identity_not_verified');
        if (!verified) return; // the step stays open: nothing was verified
        step.result = { verified: true };
      }
      Object.assign(step, { state: 'completed', by: actor.name, at: now() }, note ? { note } : {});
      record(actor, 'step_completed', step.id);
    },
    {
      // A validator's refusal leaves no trace in history, so evidence in clear never gets there.
      admit: ({ evidence }) => {
        if (evidence && !('sealed' in evidence))
          throw invalid('identity evidence must be sealed: send it through the API, which seals it');
      },
    },
  );

  action<SkipStepInput>(
    skipStepUpdate,
    'skipStep',
    ({ stepId, note }) => {
      pendingStep(stepId);
      if (!note.trim()) throw invalid('skipping a step needs a note');
    },
    ({ actor, stepId, note }) => {
      Object.assign(pendingStep(stepId), { state: 'skipped', by: actor.name, at: now(), note });
      record(actor, 'step_skipped', stepId);
    },
  );

  action<SetCategoryInput>(
    setCategoryUpdate,
    'setCategory',
    ({ category }) => {
      if (!policy.categories.some((c) => c.id === category)) throw invalid(`unknown category '${category}'`);
      if (category === view.category) throw invalid(`the case is already in category '${category}'`);
    },
    ({ actor, category }) => {
      const from = view.category;
      view.category = category;
      view.checklist = recategorizeChecklist(policy, view.checklist, category, links);
      record(actor, 'category_changed', `${from ?? 'uncategorized'} -> ${category}`);
    },
  );

  action<NoteInput>(
    addNoteUpdate,
    'addNote',
    ({ text: note }) => {
      if (!note.trim()) throw invalid('a note needs text');
    },
    ({ actor, text: note }) => {
      if (trail) return { seq: trail.addNote(actor, note, now()) };
      view.notes.push({ at: now(), by: actor.name, text: note });
      record(actor, 'note_added');
    },
  );

  action<WaitForCustomerInput>(
    waitForCustomerUpdate,
    'waitForCustomer',
    () => undefined,
    ({ actor, note }) => {
      setStatus('awaiting_customer');
      record(actor, 'waiting_for_customer', note);
    },
  );

  action<ResolveInput>(
    resolveUpdate,
    'resolve',
    (i) => {
      if (![i.actionTaken, i.expectedResult, i.specificAction].every((s) => s.trim()))
        throw invalid('resolving needs actionTaken, expectedResult and specificAction');
    },
    ({ actor, actionTaken, expectedResult, specificAction }) =>
      resolveCase(actor, { actionTaken, expectedResult, specificAction }),
  );
  function resolveCase(
    actor: Actor,
    r: { actionTaken: string; expectedResult: string; specificAction: string },
    byIncident = false,
  ) {
    if (!view.assignee && !byIncident) view.assignee = { id: actor.id, name: actor.name };
    view.resolution = r;
    const agent = byIncident ? (view.assignee?.name ?? 'EduStream Support') : actor.name;
    queueEmail('issue_resolved', { agent, ...r });
    markFirstResponse(actor);
    state.resolutionEpoch++;
    view.csat = null;
    setStatus('resolved');
    record(actor, 'resolved', r.actionTaken);
  }
  // An incident's resolution resolves its linked cases (state only until it happens: no new commands).
  ctx.on('resolveRequested', ({ actor, actionTaken, expectedResult, specificAction }) => {
    if (!statusAllows('resolve', view.status)) return;
    resolveCase(actor, { actionTaken, expectedResult, specificAction }, true);
  });

  action<CloseInput>(
    closeUpdate,
    'close',
    () => undefined,
    ({ actor, reason }) => {
      setStatus('closed');
      record(actor, 'closed', reason);
    },
  );

  action<ReopenInput>(
    reopenUpdate,
    'reopen',
    ({ reason }) => {
      if (!reason.trim()) throw invalid('reopening needs a reason');
      if (!reopenWindowOpen())
        throw ctx.forbidden(`the reopen window of ${describeMinutes(policy.reopen.windowMinutes)} has passed`);
    },
    ({ actor, reason }) => reopen(actor, reason),
  );

  action<RateInput>(
    rateUpdate,
    'rate',
    ({ surveyId, rating }) => {
      if (!view.csat?.surveySentAt || surveyId !== `${input.caseId}:${state.resolutionEpoch}`)
        throw ctx.forbidden('this survey link is no longer valid');
      if (view.csat.rating !== undefined) throw ctx.alreadyDone('this case has already been rated');
      if (!Number.isInteger(rating) || rating < 1 || rating > 5)
        throw invalid('rating must be a whole number from 1 to 5');
    },
    ({ rating, comment }) => {
      Object.assign(view.csat ?? {}, { rating, ratedAt: now() }, comment ? { comment } : {});
      record(CUSTOMER, 'rated', `${rating}/5`);
      setStatus('closed');
      record(SYSTEM, 'closed', 'customer rated the case');
    },
  );

  function reopen(actor: Actor, reason: string) {
    view.reopens++;
    state.resolutionEpoch++; // invalidates a pending survey link
    view.csat = null;
    delete view.times.closedAt;
    delete view.times.resolvedAt;
    setStatus('open');
    record(actor, 'reopened', reason);
  }

  // A signal, not an Update: intake must never be refused, so the workflow decides what a reply means.
  ctx.signal(customerReplySignal, 'customer_reply', checkCustomerReply, (reply) => {
    const { message, idempotencyKey } = reply;
    if (idempotencyKey && !ctx.claimKey(idempotencyKey, { message })) return; // intake sent it before
    const channel = reply.via ?? input.channel;
    if (reply.automatic) {
      // An out-of-office or a bounce: kept on the thread, never answered, and it moves nothing.
      ctx.emit({ type: 'messageReceived', message: reply, channel });
      record(CUSTOMER, 'automatic_reply_received', reply.automatic === 'bounce' ? 'a bounce' : 'an auto-reply');
      publish();
      return;
    }
    ctx.emit({ type: 'messageReceived', message: reply, channel });
    record(CUSTOMER, 'customer_replied', `${message.length} characters`);
    ctx.emit({ type: 'customerMessage' });
    if (view.status === 'awaiting_customer' || view.status === 'new') setStatus('open');
    else if (view.status === 'resolved' || (view.status === 'closed' && reopenWindowOpen()))
      reopen(CUSTOMER, 'customer replied');
    publish();
  });

  setHandler(caseViewQuery, () => ctx.viewNow());
  // Asked once, in the first activation: cases opened before clocks existed replay without their commands.
  const slaPatched = patched(SLA_PATCH);
  installCapabilities(ctx);
  // Bounded state (the trail's older part archived, notes trimmed) for cases opened after it; asked
  // once, in the first activation: a run that started without it keeps its whole trail, and its
  // next run (after continue-as-new) takes it up.
  const trail = patched(BOUNDED_STATE_PATCH) ? installBoundedTrail(ctx) : undefined;

  if (!input.resume) await intake();
  // Cases opened before continue-as-new existed keep their histories valid: no patch, no new command.
  if (slaPatched) {
    if (await Promise.race([lifecycle().then(() => false), continueAsNewDue()])) {
      // Every deadline is derived from state (absolute times, clocks, ladders), so the next run
      // re-plans its timers from `resume` and loses nothing; we only wait for in-flight work.
      for (;;) {
        await ctx.drained();
        await condition(allHandlersFinished);
        if (state.outbox.length === 0) break;
      }
      log.info('case continues as new', {
        caseId: input.caseId,
        historyLength: workflowInfo().historyLength,
        historySize: workflowInfo().historySize,
      });
      return continueAsNew<typeof supportCaseWorkflow>({ ...input, resume: state });
    }
  } else {
    await lifecycle();
  }

  record(SYSTEM, 'archived', 'reopen window ended');
  await ctx.drained();
  log.info('case finished', { caseId: input.caseId, status: view.status });
  const final = ctx.viewNow();
  return { view: final, facts: factsFromView(policy, final) };

  /** Resolves true when history has grown enough to continue as new (never false). */
  async function continueAsNewDue(): Promise<boolean> {
    const limit = input.settings.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS;
    await condition(() => {
      const info = workflowInfo();
      return (
        info.continueAsNewSuggested || info.historyLength >= limit || info.historySize >= CONTINUE_AS_NEW_AFTER_BYTES
      );
    });
    return true;
  }

  async function intake() {
    const opened = openedEntry(input, openedAtMs, facts);
    record(opened.actor, opened.action, opened.detail);
    view.timeline[view.timeline.length - 1].at = opened.at; // when it opened, not when a worker first ran it
    publish();

    if (input.channel === 'in_app') {
      const pb = playbooks.find((p) => p.steps.some((s) => s.customerFacing));
      if (pb) {
        const steps = pb.steps
          .filter((s) => s.customerFacing)
          .map((s, i) => `${i + 1}. ${s.title}`)
          .join('\n');
        queueEmail('self_service_answer', { playbookTitle: pb.title, steps });
        // On the thread too, so the chat page shows it (state only: no command changes).
        ctx.emit({
          type: 'agentReplied',
          actor: SYSTEM,
          text: `While an agent picks up your request, these steps solve "${pb.title}" for most people:\n\n${steps}\n\nIf they don't, just reply and we'll take it from there.`,
        });
        markFirstResponse(SYSTEM);
        record(SYSTEM, 'self_service_answer_sent', pb.title);
      }
    }

    // Every case with a payment gets it looked up (compensation computes from it), not only the
    // categories whose checklist asks for it; cases opened before this change keep their history.
    if (
      input.paymentIntentId &&
      (view.checklist.some((s) => s.automation === 'stripe.lookupPayment') ||
        patched('payment-lookup-for-every-payment'))
    ) {
      await exclusive(async () => {
        try {
          const facts = await lookupPayment({ paymentIntentId: input.paymentIntentId! });
          view.payment = { paymentIntentId: input.paymentIntentId!, ...facts, checkedAt: now() };
          const summary: Record<string, string | number | boolean | null> = {
            found: facts.found,
            status: facts.status ?? null,
            succeeded: facts.succeeded ?? null,
            declineCode: facts.declineCode ?? null,
          };
          for (const step of view.checklist.filter(
            (s) => s.automation === 'stripe.lookupPayment' && s.state === 'pending',
          )) {
            Object.assign(step, {
              state: 'completed',
              by: SYSTEM.name,
              at: now(),
              result: summary,
              note: facts.found
                ? `Stripe: ${facts.status}${facts.declineCode ? ` (${facts.declineCode})` : ''}`
                : 'payment not found in Stripe',
            });
          }
          record(SYSTEM, 'payment_checked', facts.found ? `status ${facts.status}` : 'not found');
        } catch {
          record(SYSTEM, 'payment_check_failed', 'Stripe did not answer; check the dashboard by hand');
        }
        publish();
      });
    }
  }

  // CSAT after resolution, closing, the reopen window. Deadlines come from the view's absolute
  // times, so a continued-as-new case picks up exactly where it was.
  async function lifecycle() {
    for (;;) {
      await condition(() => view.status === 'resolved' || view.status === 'closed');
      if (view.status === 'resolved') {
        const epoch = state.resolutionEpoch;
        const moved = () => view.status !== 'resolved' || state.resolutionEpoch !== epoch;
        if (!view.csat?.surveySentAt) {
          const surveyAt = Date.parse(view.times.resolvedAt!) + policy.csat.surveyDelayMinutes * MINUTE;
          if (await condition(moved, Math.max(0, surveyAt - Date.now()), { summary: 'CSAT survey delay' })) continue;
          await exclusive(() => {
            const surveyId = `${input.caseId}:${epoch}`;
            view.csat = {
              surveySentAt: now(),
              expiresAt: new Date(Date.now() + policy.csat.responseWindowMinutes * MINUTE).toISOString(),
            };
            queueEmail(
              'csat_survey',
              { surveyLink: '[survey-link]', windowText: describeMinutes(policy.csat.responseWindowMinutes) },
              surveyId,
            );
            record(SYSTEM, 'csat_survey_sent');
            publish();
          });
        }
        const windowEnds = Date.parse(view.csat!.expiresAt!);
        if (await condition(moved, Math.max(0, windowEnds - Date.now()), { summary: 'CSAT response window' })) continue;
        await exclusive(() => {
          if (moved()) return;
          setStatus('closed');
          record(SYSTEM, 'closed', 'no rating within the survey window');
          publish();
        });
        continue;
      }
      const reopened = await condition(
        () => view.status !== 'closed',
        Math.max(0, state.closedAtMs + policy.reopen.windowMinutes * MINUTE - Date.now()),
        { summary: 'Reopen window' },
      );
      if (!reopened) return;
    }
  }
}
