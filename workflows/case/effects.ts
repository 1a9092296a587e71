// Side effects of clocks and escalations (staff e-mails, Slack posts, PagerDuty events) as an
// outbox in case state: features queue them synchronously, this loop runs them as activities and
// writes the outcome back. Kept in state, so continue-as-new (which waits for an empty outbox)
// and replay see exactly the same effects; each carries its business idempotency key.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { SYSTEM, type CaseContext } from './context';
import type { Effect, EffectsState } from './state';

/** Distributes Omit over the union, so a queued effect keeps its kind/input pairing. */
type NewEffect = Effect extends infer E ? (E extends Effect ? Omit<E, 'id'> : never) : never;

// Staff notices and Slack posts are worth an hour of retries; a page is worth more, but after an
// hour the next rung is due anyway, so the failure is recorded and the ladder goes on.
const { sendStaffEmail, notifySlack, postEscalation, pageOnCall, acknowledgePage, resolvePage } =
  proxyActivities<Activities>({
    startToCloseTimeout: '20 seconds',
    scheduleToCloseTimeout: '1 hour',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

/** Queues an effect; the loop started by runEffects picks it up in the same activation. */
export function queueEffect(fx: EffectsState, effect: NewEffect): void {
  fx.queue.push({ ...effect, id: ++fx.next } as Effect);
}

/** Starts the loop that performs queued effects, concurrently, and records their outcomes. */
export function runEffects(ctx: CaseContext, fx: EffectsState): void {
  const inFlight = new Set<number>();
  ctx.addDrainCondition(() => fx.queue.length === 0);

  const perform = async (e: Effect): Promise<unknown> => {
    switch (e.kind) {
      case 'staffEmail':
        return sendStaffEmail(e.input);
      case 'slackNotify':
        return notifySlack(e.input);
      case 'postEscalation': {
        const posted = await postEscalation(e.input);
        const esc = ctx.view.escalations?.find((x) => x.id === e.input.escalationId);
        if (esc) esc.slack = posted;
        return posted;
      }
      case 'page':
        return pageOnCall(e.input);
      case 'acknowledgePage':
        return acknowledgePage(e.input);
      case 'resolvePage':
        return resolvePage(e.input);
    }
  };

  const run = async (e: Effect): Promise<void> => {
    const rung = e.ref
      ? ctx.view.escalations?.find((x) => x.id === e.ref!.escalationId)?.rungs.find((r) => r.k === e.ref!.k)
      : undefined;
    try {
      await perform(e);
      if (rung) Object.assign(rung, { state: 'notified', notifiedAt: ctx.now() });
    } catch (err) {
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      if (rung) Object.assign(rung, { state: 'failed', error: message });
      ctx.record(
        SYSTEM,
        'notification_failed',
        `${e.kind}${e.ref ? ` for ${e.ref.escalationId} rung ${e.ref.k}` : ''}: ${message}`,
      );
    }
    fx.queue.splice(
      fx.queue.findIndex((x) => x.id === e.id),
      1,
    );
    inFlight.delete(e.id);
    ctx.publish();
  };

  void (async () => {
    for (;;) {
      await condition(() => fx.queue.some((e) => !inFlight.has(e.id)));
      for (const e of fx.queue.filter((x) => !inFlight.has(x.id))) {
        inFlight.add(e.id);
        void run(e);
      }
    }
  })();
}
