import { ApplicationFailure } from '@temporalio/common';
import type { PagerDutyEvent, PagerDutyGateway } from '../../activities/pagerduty';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Options for {@link createPagerDutyGateway}; `eventsUrl` points at a stand-in in development and tests. */
export interface PagerDutyGatewayOptions {
  routingKey: string;
  eventsUrl?: string;
  timeoutMs?: number;
}

interface EnqueueReply {
  status?: string;
  message?: string;
  dedup_key?: string;
  errors?: unknown;
}

function parseReply(text: string): EnqueueReply {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as EnqueueReply) : {};
  } catch {
    return {};
  }
}

function describe(reply: EnqueueReply, text: string): string {
  const errors = Array.isArray(reply.errors) ? reply.errors.map(String) : [];
  const parts = [reply.message, ...errors].filter((s): s is string => typeof s === 'string' && s !== '');
  return parts.length > 0 ? parts.join('; ') : text.slice(0, 200);
}

/** A PagerDuty Events API v2 client over fetch; the routing key never appears in errors. */
export function createPagerDutyGateway(opts: PagerDutyGatewayOptions): PagerDutyGateway {
  const url = opts.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    async enqueue(event: PagerDutyEvent) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ routing_key: opts.routingKey, ...event }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new Error(`PagerDuty unreachable at ${url}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      const text = await res.text();
      const reply = parseReply(text);
      if (res.ok) return { dedupKey: reply.dedup_key ?? event.dedup_key };
      const detail = describe(reply, text);
      // 429 is throttling and 5xx PagerDuty's own trouble: both clear up, so Temporal retries them.
      if (res.status === 429 || res.status >= 500)
        throw new Error(`PagerDuty ${event.event_action} failed with HTTP ${res.status}: ${detail}`);
      throw ApplicationFailure.nonRetryable(
        `PagerDuty rejected the ${event.event_action} event (HTTP ${res.status}): ${detail}`,
        'PagerDutyRejected',
        { status: res.status, dedupKey: event.dedup_key },
      );
    },
  };
}
