import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, readBody } from './http';

/** The `payload` of a PagerDuty Events API v2 trigger. */
export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: unknown;
}

/** An event the stand-in accepted (202); rejected events are never recorded. */
export interface PagerDutyEvent {
  routingKey: string;
  action: string;
  dedupKey: string;
  payload?: PagerDutyPayload;
  links?: unknown[];
  client?: string;
  clientUrl?: string;
  receivedAt: number;
}

/** An incident as the stand-in tracks it, keyed by dedup_key. */
export interface PagerDutyIncident {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  /** Triggers received for this incident, including deduplicated ones. */
  triggerCount: number;
  createdAt: number;
}

/** A running PagerDuty Events API v2 stand-in. */
export interface PagerDutyStandin {
  url: string;
  eventsUrl: string;
  port: number;
  events: PagerDutyEvent[];
  incidents(): PagerDutyIncident[];
  waitFor(pred: (e: PagerDutyEvent) => boolean, timeoutMs?: number): Promise<PagerDutyEvent>;
  failNext(status: number, times?: number): void;
  clear(): void;
  close(): Promise<void>;
}

/** Options for {@link startPagerDutyStandin}; with `routingKey` set, other keys are rejected. */
export interface PagerDutyStandinOptions {
  port?: number;
  host?: string;
  routingKey?: string;
  log?: (line: string) => void;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const MAX_BODY_BYTES = 512 * 1024;
const MAX_DEDUP_KEY = 255;

interface Waiter {
  pred: (e: PagerDutyEvent) => boolean;
  resolve: (e: PagerDutyEvent) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

type Reply = { status: number; body: Record<string, unknown> };

/** Starts a PagerDuty Events API v2 stand-in on 127.0.0.1 (random port unless `port` is given). */
export async function startPagerDutyStandin(opts: PagerDutyStandinOptions = {}): Promise<PagerDutyStandin> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const events: PagerDutyEvent[] = [];
  // A list rather than a map: a resolved incident stays visible after a later trigger reopens its dedup_key.
  const incidents: PagerDutyIncident[] = [];
  const failures: { status: number; remaining: number }[] = [];
  const waiters = new Set<Waiter>();
  let closed = false;

  function invalid(errors: string[]): Reply {
    return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
  }

  function injectedFailure(status: number): Reply {
    if (status === 429) {
      return {
        status,
        body: {
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly. Please retry later.',
        },
      };
    }
    if (status === 400) return invalid(['Injected failure']);
    return { status, body: { status: 'error', message: 'Injected failure' } };
  }

  function openIncident(dedupKey: string): PagerDutyIncident | undefined {
    return incidents.find((i) => i.dedupKey === dedupKey && i.status !== 'resolved');
  }

  function handleEvent(raw: unknown): Reply {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return invalid(['Event must be a JSON object']);
    const body = raw as Record<string, unknown>;
    const errors: string[] = [];
    const routingKey = nonBlank(body.routing_key);
    if (routingKey === undefined) errors.push("'routing_key' is missing or blank");
    const action = nonBlank(body.event_action);
    if (action === undefined) errors.push("'event_action' is missing or blank");
    else if (!ACTIONS.includes(action)) errors.push("'event_action' must be one of trigger, acknowledge, resolve");
    const givenDedupKey = nonBlank(body.dedup_key);
    if (givenDedupKey !== undefined && givenDedupKey.length > MAX_DEDUP_KEY)
      errors.push(`'dedup_key' must be at most ${MAX_DEDUP_KEY} characters`);

    let payload: PagerDutyPayload | undefined;
    if (action === 'trigger') {
      const p = body.payload;
      if (p === null || typeof p !== 'object' || Array.isArray(p)) {
        errors.push("'payload' is missing or blank");
      } else {
        const pp = p as Record<string, unknown>;
        if (nonBlank(pp.summary) === undefined) errors.push("'payload.summary' is missing or blank");
        if (nonBlank(pp.source) === undefined) errors.push("'payload.source' is missing or blank");
        if (typeof pp.severity !== 'string' || !SEVERITIES.includes(pp.severity)) {
          errors.push("'payload.severity' must be one of critical, error, warning, info");
        }
        payload = pp as unknown as PagerDutyPayload;
      }
    } else if (action !== undefined && givenDedupKey === undefined) {
      errors.push("'dedup_key' is missing or blank");
    }
    if (errors.length > 0 || routingKey === undefined || action === undefined) return invalid(errors);
    if (opts.routingKey !== undefined && routingKey !== opts.routingKey) return invalid(['Invalid routing key']);

    const dedupKey = givenDedupKey ?? randomUUID().replace(/-/g, '');
    const now = Date.now();
    const event: PagerDutyEvent = { routingKey, action, dedupKey, receivedAt: now };
    if (payload) event.payload = payload;
    if (Array.isArray(body.links)) event.links = body.links;
    if (typeof body.client === 'string') event.client = body.client;
    if (typeof body.client_url === 'string') event.clientUrl = body.client_url;

    const open = openIncident(dedupKey);
    let note = '';
    if (action === 'trigger' && payload) {
      if (open) {
        // Like PagerDuty: a repeat trigger on an open incident is folded into it, not a new page.
        open.triggerCount += 1;
        note = ' (deduplicated)';
      } else {
        incidents.push({
          dedupKey,
          status: 'triggered',
          summary: payload.summary,
          severity: payload.severity,
          triggerCount: 1,
          createdAt: now,
        });
      }
    } else if (action === 'acknowledge') {
      if (open) open.status = 'acknowledged';
      else note = ' (no open incident)';
    } else if (action === 'resolve') {
      if (open) open.status = 'resolved';
      else note = ' (no open incident)';
    }

    events.push(event);
    const detail = payload ? ` ${payload.severity}: ${payload.summary.replace(/\s+/g, ' ').slice(0, 80)}` : '';
    log(`pagerduty-standin ${action} ${dedupKey}${note}${detail}`);
    for (const w of [...waiters]) {
      if (safePred(w.pred, event)) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(event);
      }
    }
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  }

  const server = http.createServer((req, res) => {
    const send = (reply: Reply, headers: Record<string, string> = {}): void => {
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(reply.body));
    };
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    if (path !== '/v2/enqueue') {
      send({ status: 404, body: { status: 'not found', message: 'Not found' } });
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      send({ status: 405, body: { status: 'method not allowed', message: 'Use POST' } }, { Allow: 'POST' });
      req.resume();
      return;
    }
    readBody(req, MAX_BODY_BYTES)
      .then(
        (text) => {
          const head = failures[0];
          if (head) {
            head.remaining -= 1;
            if (head.remaining <= 0) failures.shift();
            log(`pagerduty-standin injected failure -> ${head.status}`);
            send(injectedFailure(head.status));
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text) as unknown;
          } catch {
            log('pagerduty-standin rejected: malformed JSON');
            send(invalid(['Malformed JSON']));
            return;
          }
          const reply = handleEvent(parsed);
          if (reply.status !== 202) log(`pagerduty-standin rejected: ${JSON.stringify(reply.body.errors)}`);
          send(reply);
        },
        (err: unknown) => {
          const tooLarge = err instanceof Error && err.message === 'body too large';
          send(
            tooLarge
              ? { status: 413, body: { status: 'invalid event', message: 'Request entity too large' } }
              : invalid(['Unreadable body']),
          );
        },
      )
      .catch((err: unknown) => {
        log(`pagerduty-standin internal error: ${String(err)}`);
        if (!res.headersSent) send({ status: 500, body: { status: 'error', message: 'Internal error' } });
      });
  });

  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  return {
    url,
    eventsUrl: `${url}/v2/enqueue`,
    port,
    events,
    incidents: () => incidents.map((i) => ({ ...i })),
    waitFor(pred, timeoutMs = 5000) {
      // Matches already received count, so an event that lands before waitFor() is called isn't missed.
      const existing = events.find((e) => safePred(pred, e));
      if (existing) return Promise.resolve(existing);
      return new Promise<PagerDutyEvent>((resolve, reject) => {
        const waiter: Waiter = {
          pred,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const seen = events.map((e) => `${e.action} ${e.dedupKey}`).join('; ') || 'none';
            reject(new Error(`pagerduty-standin: no matching event within ${timeoutMs}ms (received: ${seen})`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    failNext(status, times = 1) {
      failures.push({ status, remaining: times });
    },
    clear() {
      events.length = 0;
      incidents.length = 0;
      failures.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('pagerduty-standin closed'));
      }
      waiters.clear();
      await closeServer(server);
    },
  };
}

function nonBlank(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function safePred<T>(pred: (e: T) => boolean, e: T): boolean {
  try {
    return pred(e);
  } catch {
    return false;
  }
}
