// The machinery every part of a case shares: its state, the audit trail, the e-mail outbox, the
// one-at-a-time action queue, search attributes and the Web UI card, and events that features
// (clocks, escalations, compensation) subscribe to. All of it is deterministic workflow code.
import {
  ApplicationFailure,
  condition,
  currentUpdateInfo,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type {
  ActivityOptions,
  SearchAttributeUpdatePair,
  SignalDefinition,
  UpdateDefinition,
} from '@temporalio/common';
import type { Activities } from '../../activities';
import { renderTemplate, statusAllows, type CaseAction } from '../../src/policy/rules';
import type { CaseStatus, Channel, TemplateId } from '../../src/policy/types';
import type { CaseState, CaseView } from '../case-view';
import {
  ACTION_KEY_MEMORY,
  actionKeyQuery,
  CaseAssigneeAttr,
  CaseCategoryAttr,
  CaseChannelAttr,
  CaseFailure,
  CaseStatusAttr,
  inputFingerprint,
  SMALL_RESULTS_PATCH,
  type ActionProduced,
  type ActionResult,
  type CaseInput,
  type CustomerReplyInput,
} from './contract';
import type { Actor, EmailRecord, EmailThreading, TimelineEntry } from './state';

const EMAIL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  // An unreachable mail server must not hold the case hostage: after an hour of retries the
  // e-mail is marked failed on the case and the agent sees it.
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};
const { sendCaseEmail } = proxyActivities<Activities>(EMAIL_OPTIONS);

/** The orchestrator acting on its own. */
export const SYSTEM: Actor = { id: 'system', name: 'Support Orchestrator', role: 'system' };
/** The customer, as an actor in the timeline. */
export const CUSTOMER: Actor = { id: 'customer', name: 'Customer', role: 'customer' };
/** One minute in ms. */
export const MINUTE = 60_000;

/** Things that happen to a case, for features to react to. */
export type CaseEvent =
  | { type: 'statusChanged'; from: CaseStatus; to: CaseStatus }
  | { type: 'customerMessage' }
  | { type: 'agentResponse'; actor: Actor }
  /** A message reached the case (a customer's, or an automatic reply); the conversation stores it. */
  | { type: 'messageReceived'; message: CustomerReplyInput; channel: Channel }
  /** An agent replied; `emailN` is the case e-mail that carries it (e-mail cases). */
  | { type: 'agentReplied'; actor: Actor; text: string; emailN?: number }
  /** Something outside the agents (a Stripe dispute) raises one of the category's escalation triggers. */
  | { type: 'triggerRaised'; actor: Actor; triggerId: string; note?: string }
  /** The case is linked to an incident whose ladder runs: its escalations join it. */
  | { type: 'incidentActive'; incidentId: string }
  /** The incident's page was acknowledged: joined escalations are acknowledged with it. */
  | { type: 'incidentAcknowledged'; incidentId: string; by: string }
  /** The incident resolved: the case resolves with the Issue Resolved template. */
  | { type: 'resolveRequested'; actor: Actor; actionTaken: string; expectedResult: string; specificAction: string }
  /** Propose a compensation by a guideline (an outage's resolution); refused proposals are recorded. */
  | { type: 'compensationRequested'; actor: Actor; guideline: 'service_outage'; issue: string };

/** The shared toolkit a case's parts are built from. */
export interface CaseContext {
  input: CaseInput;
  state: CaseState;
  view: CaseView;
  now(): string;
  /** Appends to the audit trail and returns the entry's seq; `extra` adds fields (a note's text). */
  record(actor: Actor, action: string, detail?: string, extra?: Pick<TimelineEntry, 'note'>): number;
  setStatus(status: CaseStatus): void;
  /** Queues a case e-mail and returns its number; `threading` makes it a reply in the customer's thread. */
  queueEmail(
    templateId: TemplateId,
    vars: Record<string, string>,
    surveyId?: string,
    threading?: EmailThreading,
  ): number;
  exclusive<T>(fn: () => Promise<T> | T): Promise<T>;
  publish(): void;
  /**
   * The view as the query answers it: with what can be derived (clocks, counts) computed here as
   * of the last publish, never stored in the view the case carries. Cases started before small
   * results store it at every publish and answer the view itself.
   */
  viewNow(): CaseView;
  emit(event: CaseEvent): void;
  on<T extends CaseEvent['type']>(type: T, fn: (event: Extract<CaseEvent, { type: T }>) => void): void;
  /**
   * Adds search attributes, Web UI card lines and view fields that publish() writes (`view`), and
   * view fields viewNow() derives as of the last publish (`derive`: clocks at `atMs`; stored at
   * every publish on cases started before small results).
   */
  addPublisher(p: {
    searchAttributes?: () => SearchAttributeUpdatePair[];
    details?: () => string[];
    view?: () => void;
    derive?: (atMs: number) => Partial<CaseView>;
  }): void;
  /**
   * Registers an agent action as an Update whose validator refuses before anything reaches history.
   * `validate` runs in the validator and again in the handler (an earlier queued action may have
   * changed the case); `opts.admit` checks the input alone and runs only in the validator, so what
   * it refuses never reaches history and histories recorded before it replay unchanged.
   * The Update answers with a small ActionResult (what `run` returns is its `produced`), never the
   * view; cases started before small results answer with the view, as their histories do.
   */
  action<I>(
    def: UpdateDefinition<ActionResult, [I]>,
    name: CaseAction | null,
    validate: (i: I) => void,
    run: (i: I) => Promise<ActionProduced | void> | ActionProduced | void,
    opts?: { admit?: (i: I) => void },
  ): void;
  /**
   * Registers a signal handler that cannot throw: `check` names what is wrong with a payload (or
   * null), a refused payload is recorded as `<name>_refused` and changes nothing else, and an
   * unexpected error in `run` is recorded the same way instead of failing every workflow task.
   * `run` may return a promise (it calls an activity): it is awaited inside exclusive(), so no
   * action or other signal interleaves, and its rejection is recorded the same way.
   */
  signal<I>(
    def: SignalDefinition<[I]>,
    name: string,
    check: (i: unknown) => string | null,
    run: (i: I) => Promise<void> | void,
  ): void;
  /**
   * Claims an idempotency key for work that is not an Update (a signal): true the first time,
   * false for a repeat of the same input, and a refusal for the same key with another input.
   */
  claimKey(id: string, input: unknown): boolean;
  invalid(message: string): ApplicationFailure;
  forbidden(message: string): ApplicationFailure;
  alreadyDone(message: string): ApplicationFailure;
  /** Resolves when the outbox is empty and no action is running. */
  drained(): Promise<void>;
  /** drained() also waits until this holds (e.g. a feature's notifications are delivered). */
  addDrainCondition(idle: () => boolean): void;
}

export function createCaseContext(input: CaseInput, state: CaseState): CaseContext {
  const { view } = state;
  const { policy } = input;
  const now = () => new Date(Date.now()).toISOString();
  const listeners = new Map<CaseEvent['type'], ((e: CaseEvent) => void)[]>();
  const publishers: {
    searchAttributes?: () => SearchAttributeUpdatePair[];
    details?: () => string[];
    view?: () => void;
    derive?: (atMs: number) => Partial<CaseView>;
  }[] = [];
  const drainConditions: (() => boolean)[] = [];

  const failure = (type: string) => (message: string) =>
    ApplicationFailure.create({ type, nonRetryable: true, message });
  const invalid = failure(CaseFailure.InvalidAction);
  const forbidden = failure(CaseFailure.StatusForbids);
  const alreadyDone = failure(CaseFailure.AlreadyDone);

  // Idempotency: an action sent with a key has the Update id `<caller>:<key>` (client-made ids have
  // no colon). Temporal deduplicates Update ids within a run; this memory carries them across
  // continue-as-new, and refuses a key that comes back with another input.
  const keys = () => (state.actionKeys ??= []);
  const keyedAction = (i: unknown): { id: string; fp: string; known: boolean } | null => {
    const id = currentUpdateInfo()?.id;
    if (!id || !id.includes(':')) return null;
    const fp = inputFingerprint(i);
    const seen = keys().find((k) => k.id === id);
    if (seen && seen.fp !== fp)
      throw failure(CaseFailure.IdempotencyKeyReused)('this Idempotency-Key was used with another request body');
    return { id, fp, known: seen !== undefined };
  };
  const rememberKey = (id: string, fp: string) => {
    const list = keys();
    list.push({ id, fp, atMs: Date.now() });
    const oldest = Date.now() - ACTION_KEY_MEMORY.days * 24 * 60 * MINUTE;
    const drop = list.findIndex((k) => k.atMs >= oldest);
    list.splice(0, Math.max(drop === -1 ? list.length : drop, list.length - ACTION_KEY_MEMORY.count));
  };
  setHandler(actionKeyQuery, (id) => {
    const seen = keys().find((k) => k.id === id);
    return seen ? { fp: seen.fp } : null;
  });

  // Asked once, in the first activation: cases started before this answer each action with the
  // whole view, bump no view version and upsert every search attribute on every publish; new
  // cases answer with a small ActionResult and upsert only the search attributes that changed.
  const smallResults = patched(SMALL_RESULTS_PATCH);
  const upserted = new Map<string, string>();
  let publishedAtMs = Date.now(); // what viewNow() derives as of: a refused action changes nothing
  const actionResult = (produced?: ActionProduced | void): ActionResult =>
    smallResults
      ? { caseId: input.caseId, version: view.version ?? 0, status: view.status, ...(produced ? { produced } : {}) }
      : (view as unknown as ActionResult);

  const ctx: CaseContext = {
    input,
    state,
    view,
    now,
    invalid,
    forbidden,
    alreadyDone,

    record(actor, action, detail, extra) {
      // Seqs keep counting across runs (the trail's older part is archived): states carried before
      // bounded state have no lastSeq, and their newest entry's seq is the trail's length.
      const seq = (state.lastSeq = (state.lastSeq ?? view.timeline.at(-1)?.seq ?? 0) + 1);
      view.timeline.push({ seq, at: now(), actor, action, ...(detail ? { detail } : {}), ...extra });
      return seq;
    },

    setStatus(status) {
      const from = view.status;
      view.status = status;
      const t = now();
      if (status === 'resolved') view.times.resolvedAt = t;
      if (status === 'closed') {
        view.times.closedAt = t;
        state.closedAtMs = Date.now();
      }
      if (from !== status) ctx.emit({ type: 'statusChanged', from, to: status });
    },

    queueEmail(templateId, vars, surveyId, threading) {
      const rendered = renderTemplate(policy, templateId, {
        name: input.customer.name,
        subject: input.subject,
        caseRef: input.caseId,
        ...vars,
      });
      const rec: EmailRecord = {
        n: view.emails.length + 1,
        templateId,
        subject: rendered.subject,
        status: 'queued',
        queuedAt: now(),
      };
      view.emails.push(rec);
      state.outbox.push({ n: rec.n, surveyId, rendered, ...(threading ? { threading } : {}) });
      return rec.n;
    },

    exclusive: (() => {
      let queue: Promise<unknown> = Promise.resolve();
      return <T>(fn: () => Promise<T> | T): Promise<T> => {
        const run = queue.then(fn);
        queue = run.catch(() => undefined);
        return run;
      };
    })(),

    publish() {
      if (smallResults) view.version = (view.version ?? 0) + 1;
      publishedAtMs = Date.now();
      for (const p of publishers) {
        if (!smallResults) Object.assign(view, p.derive?.(publishedAtMs));
        p.view?.();
      }
      const attributes: SearchAttributeUpdatePair[] = [
        { key: CaseStatusAttr, value: view.status },
        { key: CaseCategoryAttr, value: view.category ?? 'uncategorized' },
        { key: CaseChannelAttr, value: view.channel },
        { key: CaseAssigneeAttr, value: view.assignee?.name ?? null },
        ...publishers.flatMap((p) => p.searchAttributes?.() ?? []),
      ];
      if (!smallResults) upsertSearchAttributes(attributes);
      else {
        // Only what changed since the last upsert: an unchanged attribute adds nothing to history.
        const changed = attributes.filter((a) => upserted.get(a.key.name) !== JSON.stringify(a.value ?? null));
        if (changed.length) upsertSearchAttributes(changed);
        for (const a of changed) upserted.set(a.key.name, JSON.stringify(a.value ?? null));
      }
      const done = view.checklist.filter((s) => s.state !== 'pending').length;
      setCurrentDetails(
        [
          `**Status:** ${view.status}`,
          `**Category:** ${view.category ?? 'uncategorized'} · **Channel:** ${view.channel}`,
          `**Assignee:** ${view.assignee?.name ?? 'unassigned'}`,
          `**Checklist:** ${done}/${view.checklist.length} done`,
          `**E-mails:** ${view.emails.length} (${view.emails.filter((e) => e.status !== 'sent').length} not yet delivered)`,
          ...(view.csat?.rating ? [`**CSAT:** ${view.csat.rating}/5`] : []),
          ...publishers.flatMap((p) => p.details?.() ?? []),
        ].join('\n'),
      );
    },

    viewNow() {
      if (!smallResults) return view;
      return Object.assign({ ...view }, ...publishers.map((p) => p.derive?.(publishedAtMs) ?? {})) as CaseView;
    },

    emit(event) {
      for (const fn of listeners.get(event.type) ?? []) fn(event);
    },

    on(type, fn) {
      listeners.set(type, [...(listeners.get(type) ?? []), fn as (e: CaseEvent) => void]);
    },

    addPublisher(p) {
      publishers.push(p);
    },

    action<I>(
      def: UpdateDefinition<ActionResult, [I]>,
      name: CaseAction | null,
      validate: (i: I) => void,
      run: (i: I) => Promise<ActionProduced | void> | ActionProduced | void,
      opts?: { admit?: (i: I) => void },
    ) {
      const refuseUnlessAllowed = () => {
        if (name && !statusAllows(name, view.status))
          throw forbidden(`the case is ${view.status.replace('_', ' ')}: ${name} is not allowed`);
      };
      setHandler(
        def,
        (i: I) =>
          ctx.exclusive(async () => {
            const key = keyedAction(i);
            if (key?.known) return actionResult(); // a retry after continue-as-new: the action already ran
            refuseUnlessAllowed(); // again: an earlier queued action may have changed the status
            validate(i);
            const produced = await run(i);
            if (key) rememberKey(key.id, key.fp);
            ctx.publish();
            return actionResult(produced);
          }),
        {
          validator: (i: I) => {
            if (keyedAction(i)?.known) return;
            opts?.admit?.(i);
            refuseUnlessAllowed();
            validate(i);
          },
        },
      );
    },

    signal<I>(
      def: SignalDefinition<[I]>,
      name: string,
      check: (i: unknown) => string | null,
      run: (i: I) => Promise<void> | void,
    ) {
      const refuse = (problem: string) => {
        ctx.record(SYSTEM, `${name}_refused`, problem.slice(0, 300));
        ctx.publish();
      };
      const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
      setHandler(def, (i: I) => {
        // A synchronous run stays synchronous (no extra await): recorded histories replay unchanged.
        void ctx.exclusive(() => {
          let problem = check(i);
          if (!problem) {
            try {
              const pending = run(i);
              if (pending) return pending.catch((err: unknown) => refuse(messageOf(err)));
              return;
            } catch (err) {
              problem = messageOf(err);
            }
          }
          refuse(problem);
        });
      });
    },

    claimKey(id, input) {
      const fp = inputFingerprint(input);
      const seen = keys().find((k) => k.id === id);
      if (seen && seen.fp !== fp)
        throw failure(CaseFailure.IdempotencyKeyReused)('this Idempotency-Key was used with another message');
      if (seen) return false;
      rememberKey(id, fp);
      return true;
    },

    async drained() {
      await condition(() => state.outbox.length === 0 && drainConditions.every((idle) => idle()));
      await ctx.exclusive(() => undefined);
    },

    addDrainCondition(idle) {
      drainConditions.push(idle);
    },
  };

  // The outbox: actions queue e-mails and return at once; this loop delivers them in order.
  void (async () => {
    for (;;) {
      await condition(() => state.outbox.length > 0);
      const item = state.outbox[0];
      const rec = view.emails[item.n - 1];
      try {
        // The summary names the e-mail in the Web UI's event list; no personal data in it.
        const { messageId } = await sendCaseEmail.executeWithOptions(
          { ...EMAIL_OPTIONS, summary: `E-mail #${item.n}: ${item.rendered.templateId}` },
          [
            {
              caseId: input.caseId,
              n: item.n,
              to: { name: input.customer.name, email: input.customer.email },
              email: item.rendered,
              surveyId: item.surveyId,
              ...(item.threading ? { threading: item.threading } : {}),
            },
          ],
        );
        Object.assign(rec, { status: 'sent', sentAt: now(), messageId });
      } catch (err) {
        Object.assign(rec, { status: 'failed', error: err instanceof Error ? err.message : String(err) });
        ctx.record(SYSTEM, 'email_failed', `e-mail #${item.n} (${item.rendered.templateId}) could not be delivered`);
      }
      state.outbox.shift();
      ctx.publish();
    }
  })();

  return ctx;
}
