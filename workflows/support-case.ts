// One support case, from intake to the customer's rating. The workflow decides; activities act.
// Everything here must be deterministic: Date.now() is workflow time, and no I/O happens outside
// activities.
import {
  ApplicationFailure, condition, log, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  buildChecklist, describeMinutes, matchCommonIssues, recategorizeChecklist, renderTemplate, statusAllows, suggestCategory,
  type CaseAction, type ChecklistStep, type LinkContext,
} from '../src/policy/rules';
import type { CaseStatus, TemplateId } from '../src/policy/types';
import {
  addNoteUpdate, assignUpdate, caseViewQuery, CaseAssigneeAttr, CaseCategoryAttr, CaseChannelAttr, CaseStatusAttr,
  closeUpdate, completeStepUpdate, customerReplySignal, FailureType, rateUpdate, reopenUpdate, replyUpdate,
  requestVerificationUpdate, resolveUpdate, setCategoryUpdate, skipStepUpdate, waitForCustomerUpdate,
  type Actor, type CaseInput, type CaseResult, type CaseView, type EmailRecord,
} from './shared';

const { sendCaseEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // An unreachable mail server must not hold the case hostage: after an hour of retries the
  // e-mail is marked failed on the case and the agent sees it.
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Lookups an agent waits for: a few quick tries, then the step records that Stripe did not answer.
const { lookupPayment, verifyCustomerIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidEvidence'] },
});

const SYSTEM: Actor = { id: 'system', name: 'Support Orchestrator', role: 'system' };
const CUSTOMER: Actor = { id: 'customer', name: 'Customer', role: 'customer' };
const MINUTE = 60_000;

/** Workflow type of a case. Renaming it strands running cases. */
export async function supportCaseWorkflow(input: CaseInput): Promise<CaseResult> {
  const { policy } = input;
  const now = () => new Date(Date.now()).toISOString();
  const links: LinkContext = { adminBaseUrl: input.settings.adminBaseUrl, bookingId: input.bookingId, paymentIntentId: input.paymentIntentId };
  const text = `${input.subject}\n${input.description}`;
  const playbooks = matchCommonIssues(policy, text);
  const suggestion = suggestCategory(policy, text);

  const view: CaseView = {
    caseId: input.caseId,
    reference: input.caseId,
    status: 'new',
    channel: input.channel,
    category: input.category ?? suggestion?.category ?? null,
    categorySuggestion: suggestion,
    subject: input.subject,
    description: input.description,
    customer: input.customer,
    bookingId: input.bookingId,
    paymentIntentId: input.paymentIntentId,
    assignee: null,
    commonIssues: playbooks.map((p) => ({ id: p.id, title: p.title })),
    checklist: [],
    emails: [],
    timeline: [],
    notes: [],
    reopens: 0,
    csat: null,
    times: { openedAt: new Date(workflowInfo().startTime).toISOString() },
    policyVersion: policy.version,
  };
  view.checklist = buildChecklist(policy, view.category, playbooks, links);

  // Sequence numbers that survive everything: e-mail n and survey ids feed idempotency and links.
  let resolutionEpoch = 0;
  let closedAtMs = 0;

  const record = (actor: Actor, action: string, detail?: string) => {
    view.timeline.push({ seq: view.timeline.length + 1, at: now(), actor, action, ...(detail ? { detail } : {}) });
  };

  const publish = () => {
    upsertSearchAttributes([
      { key: CaseStatusAttr, value: view.status },
      { key: CaseCategoryAttr, value: view.category ?? 'uncategorized' },
      { key: CaseChannelAttr, value: view.channel },
      { key: CaseAssigneeAttr, value: view.assignee?.name ?? null },
    ]);
    const done = view.checklist.filter((s) => s.state !== 'pending').length;
    setCurrentDetails([
      `**Status:** ${view.status}`,
      `**Category:** ${view.category ?? 'uncategorized'} · **Channel:** ${view.channel}`,
      `**Assignee:** ${view.assignee?.name ?? 'unassigned'}`,
      `**Checklist:** ${done}/${view.checklist.length} done`,
      `**E-mails:** ${view.emails.length} (${view.emails.filter((e) => e.status !== 'sent').length} not yet delivered)`,
      ...(view.csat?.rating ? [`**CSAT:** ${view.csat.rating}/5`] : []),
    ].join('\n'));
  };

  const setStatus = (status: CaseStatus) => {
    view.status = status;
    const t = now();
    if (status === 'resolved') view.times.resolvedAt = t;
    if (status === 'closed') { view.times.closedAt = t; closedAtMs = Date.now(); }
  };

  // ---- outbox: actions queue e-mails and return at once; one loop delivers them in order ----
  interface Outgoing { record: EmailRecord; surveyId?: string; rendered: ReturnType<typeof renderTemplate> }
  const outbox: Outgoing[] = [];
  const queueEmail = (templateId: TemplateId, vars: Record<string, string>, surveyId?: string) => {
    const rendered = renderTemplate(policy, templateId, {
      name: input.customer.name, subject: input.subject, caseRef: input.caseId, ...vars,
    });
    const rec: EmailRecord = { n: view.emails.length + 1, templateId, subject: rendered.subject, status: 'queued', queuedAt: now() };
    view.emails.push(rec);
    outbox.push({ record: rec, surveyId, rendered });
  };
  void (async () => {
    for (;;) {
      await condition(() => outbox.length > 0);
      const item = outbox[0];
      try {
        const { messageId } = await sendCaseEmail({
          caseId: input.caseId, n: item.record.n, to: { name: input.customer.name, email: input.customer.email },
          email: item.rendered, surveyId: item.surveyId,
        });
        Object.assign(item.record, { status: 'sent', sentAt: now(), messageId });
      } catch (err) {
        Object.assign(item.record, { status: 'failed', error: err instanceof Error ? err.message : String(err) });
        record(SYSTEM, 'email_failed', `e-mail #${item.record.n} (${item.record.templateId}) could not be delivered`);
      }
      outbox.shift();
      publish();
    }
  })();

  // ---- handlers run one at a time, so an action never interleaves with another's activity ----
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T> | T): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const refuseUnlessAllowed = (action: CaseAction) => {
    if (!statusAllows(action, view.status)) {
      throw ApplicationFailure.create({
        type: FailureType.StatusForbids, nonRetryable: true,
        message: `the case is ${view.status.replace('_', ' ')}: ${action} is not allowed`,
      });
    }
  };
  const invalid = (message: string) => ApplicationFailure.create({ type: FailureType.InvalidAction, nonRetryable: true, message });
  const findStep = (stepId: string): ChecklistStep => {
    const step = view.checklist.find((s) => s.id === stepId);
    if (!step) throw invalid(`the checklist has no step '${stepId}'`);
    return step;
  };
  const pendingStep = (stepId: string): ChecklistStep => {
    const step = findStep(stepId);
    if (step.state !== 'pending') throw ApplicationFailure.create({ type: FailureType.AlreadyDone, nonRetryable: true, message: `step '${stepId}' is already ${step.state}` });
    return step;
  };
  const markFirstResponse = () => { view.times.firstResponseAt ??= now(); };
  const openIfNew = () => { if (view.status === 'new') setStatus('open'); };
  const reopenWindowOpen = () => view.status !== 'closed' || Date.now() - closedAtMs <= policy.reopen.windowMinutes * MINUTE;

  /** Registers an Update whose validator checks the status (and more) before anything is written to history. */
  const action = <I>(def: Parameters<typeof setHandler>[0], name: CaseAction, validate: (i: I) => void, run: (i: I) => Promise<void> | void) => {
    setHandler(def as never, ((i: I) => exclusive(async () => {
      refuseUnlessAllowed(name); // again: an earlier queued action may have changed the status
      validate(i);
      await run(i);
      publish();
      return view;
    })) as never, { validator: ((i: I) => { refuseUnlessAllowed(name); validate(i); }) as never });
  };

  action<{ actor: Actor; assignee: { id: string; name: string } }>(assignUpdate, 'assign', () => undefined, ({ actor, assignee }) => {
    view.assignee = assignee;
    openIfNew();
    record(actor, 'assigned', `to ${assignee.name}`);
  });

  action<{ actor: Actor; message: string }>(replyUpdate, 'reply', () => undefined, ({ actor, message }) => {
    if (!view.assignee) view.assignee = { id: actor.id, name: actor.name };
    openIfNew();
    const firstEmailReply = input.channel === 'email' && !view.emails.some((e) => e.templateId === 'welcome');
    if (input.channel === 'email') {
      queueEmail(firstEmailReply ? 'welcome' : 'agent_reply', { agent: actor.name, message, issueSummary: input.subject });
    }
    markFirstResponse();
    record(actor, 'replied', firstEmailReply ? 'first reply, Welcome template' : undefined);
  });

  action<{ actor: Actor }>(requestVerificationUpdate, 'requestVerification', () => undefined, ({ actor }) => {
    openIfNew();
    queueEmail('account_verification', { agent: actor.name });
    markFirstResponse();
    setStatus('awaiting_customer');
    record(actor, 'verification_requested');
  });

  action<{ actor: Actor; stepId: string; note?: string; evidence?: { email: string; last4: string } }>(completeStepUpdate, 'completeStep',
    ({ stepId, evidence }) => {
      const step = pendingStep(stepId);
      if (step.automation === 'stripe.verifyIdentity' && !evidence) throw invalid(`step '${stepId}' needs evidence: the e-mail and last 4 digits the customer gave`);
    },
    async ({ actor, stepId, note, evidence }) => {
      const step = pendingStep(stepId);
      openIfNew();
      if (step.automation === 'stripe.verifyIdentity' && evidence) {
        let verified: boolean;
        try {
          ({ verified } = await verifyCustomerIdentity({
            customerId: input.customer.stripeCustomerId, email: input.customer.email, claimedEmail: evidence.email, last4: evidence.last4,
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
    });

  action<{ actor: Actor; stepId: string; note: string }>(skipStepUpdate, 'skipStep',
    ({ stepId, note }) => { pendingStep(stepId); if (!note.trim()) throw invalid('skipping a step needs a note'); },
    ({ actor, stepId, note }) => {
      Object.assign(pendingStep(stepId), { state: 'skipped', by: actor.name, at: now(), note });
      record(actor, 'step_skipped', stepId);
    });

  action<{ actor: Actor; category: CaseView['category'] & string }>(setCategoryUpdate, 'setCategory',
    ({ category }) => {
      if (!policy.categories.some((c) => c.id === category)) throw invalid(`unknown category '${category}'`);
      if (category === view.category) throw invalid(`the case is already in category '${category}'`);
    },
    ({ actor, category }) => {
      const from = view.category;
      view.category = category;
      view.checklist = recategorizeChecklist(policy, view.checklist, category, links);
      record(actor, 'category_changed', `${from ?? 'uncategorized'} -> ${category}`);
    });

  action<{ actor: Actor; text: string }>(addNoteUpdate, 'addNote',
    ({ text: note }) => { if (!note.trim()) throw invalid('a note needs text'); },
    ({ actor, text: note }) => {
      view.notes.push({ at: now(), by: actor.name, text: note });
      record(actor, 'note_added');
    });

  action<{ actor: Actor; note?: string }>(waitForCustomerUpdate, 'waitForCustomer', () => undefined, ({ actor, note }) => {
    setStatus('awaiting_customer');
    record(actor, 'waiting_for_customer', note);
  });

  action<{ actor: Actor; actionTaken: string; expectedResult: string; specificAction: string }>(resolveUpdate, 'resolve',
    (i) => { if (![i.actionTaken, i.expectedResult, i.specificAction].every((s) => s.trim())) throw invalid('resolving needs actionTaken, expectedResult and specificAction'); },
    ({ actor, actionTaken, expectedResult, specificAction }) => {
      if (!view.assignee) view.assignee = { id: actor.id, name: actor.name };
      view.resolution = { actionTaken, expectedResult, specificAction };
      queueEmail('issue_resolved', { agent: actor.name, actionTaken, expectedResult, specificAction });
      markFirstResponse();
      resolutionEpoch++;
      view.csat = null;
      setStatus('resolved');
      record(actor, 'resolved', actionTaken);
    });

  action<{ actor: Actor; reason?: string }>(closeUpdate, 'close', () => undefined, ({ actor, reason }) => {
    setStatus('closed');
    record(actor, 'closed', reason);
  });

  action<{ actor: Actor; reason: string }>(reopenUpdate, 'reopen',
    ({ reason }) => {
      if (!reason.trim()) throw invalid('reopening needs a reason');
      if (!reopenWindowOpen()) throw ApplicationFailure.create({ type: FailureType.StatusForbids, nonRetryable: true, message: `the reopen window of ${describeMinutes(policy.reopen.windowMinutes)} has passed` });
    },
    ({ actor, reason }) => reopen(actor, reason));

  action<{ surveyId: string; rating: number; comment?: string }>(rateUpdate, 'rate',
    ({ surveyId, rating }) => {
      if (!view.csat?.surveySentAt || surveyId !== `${input.caseId}:${resolutionEpoch}`) {
        throw ApplicationFailure.create({ type: FailureType.StatusForbids, nonRetryable: true, message: 'this survey link is no longer valid' });
      }
      if (view.csat.rating !== undefined) throw ApplicationFailure.create({ type: FailureType.AlreadyDone, nonRetryable: true, message: 'this case has already been rated' });
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw invalid('rating must be a whole number from 1 to 5');
    },
    ({ rating, comment }) => {
      Object.assign(view.csat ?? {}, { rating, ratedAt: now() }, comment ? { comment } : {});
      record(CUSTOMER, 'rated', `${rating}/5`);
      setStatus('closed');
      record(SYSTEM, 'closed', 'customer rated the case');
    });

  function reopen(actor: Actor, reason: string) {
    view.reopens++;
    resolutionEpoch++; // invalidates a pending survey link
    view.csat = null;
    delete view.times.closedAt;
    delete view.times.resolvedAt;
    setStatus('open');
    record(actor, 'reopened', reason);
  }

  // A signal, not an Update: intake must never be refused, so the workflow decides what a reply means.
  setHandler(customerReplySignal, ({ message }) => {
    void exclusive(() => {
      record(CUSTOMER, 'customer_replied', `${message.length} characters`);
      if (view.status === 'awaiting_customer' || view.status === 'new') setStatus('open');
      else if (view.status === 'resolved' || (view.status === 'closed' && reopenWindowOpen())) reopen(CUSTOMER, 'customer replied');
      publish();
    });
  });

  setHandler(caseViewQuery, () => view);

  // ---- intake automation ----
  record(input.openedBy, 'opened', `${input.channel} case${input.category ? '' : suggestion ? `, category suggested: ${suggestion.category}` : ', no category matched'}`);
  publish();

  if (input.channel === 'in_app') {
    const pb = playbooks.find((p) => p.steps.some((s) => s.customerFacing));
    if (pb) {
      const steps = pb.steps.filter((s) => s.customerFacing).map((s, i) => `${i + 1}. ${s.title}`).join('\n');
      queueEmail('self_service_answer', { playbookTitle: pb.title, steps });
      markFirstResponse();
      record(SYSTEM, 'self_service_answer_sent', pb.title);
    }
  }

  if (input.paymentIntentId && view.checklist.some((s) => s.automation === 'stripe.lookupPayment')) {
    await exclusive(async () => {
      try {
        const facts = await lookupPayment({ paymentIntentId: input.paymentIntentId! });
        view.payment = { paymentIntentId: input.paymentIntentId!, ...facts, checkedAt: now() };
        const summary: Record<string, string | number | boolean | null> = {
          found: facts.found, status: facts.status ?? null, succeeded: facts.succeeded ?? null, declineCode: facts.declineCode ?? null,
        };
        for (const step of view.checklist.filter((s) => s.automation === 'stripe.lookupPayment' && s.state === 'pending')) {
          Object.assign(step, { state: 'completed', by: SYSTEM.name, at: now(), result: summary,
            note: facts.found ? `Stripe: ${facts.status}${facts.declineCode ? ` (${facts.declineCode})` : ''}` : 'payment not found in Stripe' });
        }
        record(SYSTEM, 'payment_checked', facts.found ? `status ${facts.status}` : 'not found');
      } catch {
        record(SYSTEM, 'payment_check_failed', 'Stripe did not answer; check the dashboard by hand');
      }
      publish();
    });
  }

  // ---- lifecycle: CSAT after resolution, closing, reopen window ----
  for (;;) {
    await condition(() => view.status === 'resolved' || view.status === 'closed');
    if (view.status === 'resolved') {
      const epoch = resolutionEpoch;
      const moved = () => view.status !== 'resolved' || resolutionEpoch !== epoch;
      if (await condition(moved, policy.csat.surveyDelayMinutes * MINUTE, { summary: 'CSAT survey delay' })) continue;
      await exclusive(() => {
        const surveyId = `${input.caseId}:${epoch}`;
        view.csat = { surveySentAt: now(), expiresAt: new Date(Date.now() + policy.csat.responseWindowMinutes * MINUTE).toISOString() };
        queueEmail('csat_survey', { surveyLink: '[survey-link]', windowText: describeMinutes(policy.csat.responseWindowMinutes) }, surveyId);
        record(SYSTEM, 'csat_survey_sent');
        publish();
      });
      if (await condition(moved, policy.csat.responseWindowMinutes * MINUTE, { summary: 'CSAT response window' })) continue;
      await exclusive(() => {
        if (moved()) return;
        setStatus('closed');
        record(SYSTEM, 'closed', 'no rating within the survey window');
        publish();
      });
      continue;
    }
    const reopenedOrExpired = await condition(() => view.status !== 'closed', Math.max(0, closedAtMs + policy.reopen.windowMinutes * MINUTE - Date.now()), { summary: 'Reopen window' });
    if (!reopenedOrExpired) break;
  }

  record(SYSTEM, 'archived', 'reopen window ended');
  await condition(() => outbox.length === 0);
  await queue;
  log.info('case finished', { caseId: input.caseId, status: view.status });
  return { view };
}
