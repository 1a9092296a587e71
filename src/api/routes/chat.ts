// Live chat: staff get a case's signed chat link; the customer opens it (the page), follows the
// thread live (Server-Sent Events) and writes (the customerReply signal, via the case's channel).
// The link is the customer's only credential. The workflow is the source of truth: the stream reads
// the thread from the case's messages query, so a reload or a worker restart loses nothing.
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod/v4';
import { chatLink, verifyChatToken, type ChatClaim } from '../../security/chat-token';
import {
  actionUpdateId,
  CASE_ID_PATTERN,
  customerReplySignal,
  messagesQuery,
  type MessageRecord,
} from '../../../workflows/contracts';
import { CHAT_PAGE_HEADERS, renderChatPage } from '../chat-page';
import { HttpError } from '../errors';
import type { EventSink } from '../event-stream';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyOf,
  priorUse,
  REPLAYED,
  type Ctx,
  type RouteDef,
  type RouteEnv,
} from '../route-table';
import * as s from '../schemas';

/** How often a stream looks for news: one cheap describe (server only); the thread query only when history grew. */
export const CHAT_POLL_MS = 500;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
/** How long a message waits for the case's memory of its key before it is signalled anyway. */
const PRIOR_USE_WAIT_MS = 2_000;
/** The caller of customer messages sent through a chat link, in their idempotency keys. */
const CHAT_CALLER = 'chat-link';

/** A message as the customer's page shows it: who (kind and name, never a staff id), when, what. */
export interface ChatMessage {
  n: number;
  from: MessageRecord['author']['kind'];
  name: string;
  at: string;
  text: string;
}
const chatMessage = (m: MessageRecord): ChatMessage => ({
  n: m.n,
  from: m.author.kind,
  name: m.author.kind === 'system' ? 'EduStream Support' : m.author.name,
  at: m.at,
  text: m.text,
});

/** The chat routes. */
export function chatRoutes(env: RouteEnv): RouteDef[] {
  const { config } = env;
  const wakers = wakeUps();

  /** The link's claim; 401 for a forged, malformed or expired link. */
  const claimOf = (token: string): ChatClaim => {
    const claim = verifyChatToken(config.csatSecret, token);
    if (claim === 'expired') throw new HttpError(401, 'unauthorized', 'this chat link has expired: ask for a new one');
    if (!claim || !CASE_ID_PATTERN.test(claim.caseId))
      throw new HttpError(401, 'unauthorized', 'this chat link is not valid');
    return claim;
  };

  /** Where a stream starts: after the reconnect's Last-Event-ID, else after= , else the beginning. */
  const startAfter = (ctx: Ctx): number => {
    const header = ctx.header('last-event-id');
    if (header !== undefined && header !== '') {
      const r = s.lastEventId.safeParse(header);
      if (!r.success) throw new HttpError(400, 'bad_request', r.error.issues[0].message);
      return Number(r.data);
    }
    return (ctx.query as z.infer<typeof s.chatEventsQuery>).after ?? 0;
  };

  /** Sends every message after `after`, and then each new one, until the link expires or the client leaves. */
  async function follow(handle: WorkflowHandle, claim: ChatClaim, after: number, sink: EventSink): Promise<void> {
    let seenLength = -1;
    let failures = 0;
    let lastWrite = Date.now();
    while (!sink.signal.aborted) {
      if (Date.now() >= claim.expiresAtMs) {
        sink.send({ event: 'expired', data: { expiresAt: new Date(claim.expiresAtMs).toISOString() } });
        return;
      }
      try {
        // Every message is an event in the case's history, so an unchanged history length means no
        // news: the describe is answered by the server alone, the query needs the worker.
        const { historyLength } = await handle.describe();
        if (historyLength !== seenLength) {
          for (;;) {
            const page = await handle.query(messagesQuery, { after, limit: 200 });
            for (const m of page.messages) {
              if (!m.automatic) sink.send({ id: m.n, event: 'message', data: chatMessage(m) });
              after = m.n;
              lastWrite = Date.now();
            }
            if (page.nextAfter === undefined || sink.signal.aborted) break;
          }
          seenLength = historyLength;
        }
        failures = 0;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          sink.send({ event: 'gone', data: {} });
          return;
        }
        failures++; // a worker restarting, a busy server: the stream stays, and tries again a little later
      }
      if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
        sink.comment('keep-alive');
        lastWrite = Date.now();
      }
      await wakers.wait(
        claim.caseId,
        failures ? Math.min(5_000, CHAT_POLL_MS * 2 ** failures) : CHAT_POLL_MS,
        sink.signal,
      );
    }
  }

  return [
    {
      method: 'post',
      path: '/cases/:caseId/chat-link',
      summary: "The customer's signed chat link of a chat or in-app case (changes nothing)",
      permission: 'case.work',
      body: s.emptyBody,
      async handle(ctx) {
        const view = await env.viewOf(ctx.params.caseId);
        if (view.channel !== 'chat' && view.channel !== 'in_app')
          throw new HttpError(
            422,
            'invalid_action',
            `a ${view.channel} case has no chat link: its replies go by e-mail`,
          );
        return { body: chatLink(config, view.caseId, view.channel) };
      },
    },
    {
      method: 'get',
      path: '/chat/:token',
      summary: 'The live chat page a customer opens from their chat link',
      permission: null,
      async handle(ctx) {
        const claim = claimOf(ctx.params.token);
        return { body: null, html: renderChatPage(claim.caseId), headers: CHAT_PAGE_HEADERS };
      },
    },
    {
      method: 'get',
      path: '/chat/:token/events',
      summary: 'The thread as Server-Sent Events: one per message (id: its number), then each new one',
      permission: null,
      query: s.chatEventsQuery,
      headers: [{ name: 'Last-Event-ID', schema: { type: 'string', pattern: '^\\d{1,9}$' } }],
      async handle(ctx) {
        const claim = claimOf(ctx.params.token);
        const after = startAfter(ctx);
        const handle = env.handleFor(claim.caseId);
        await handle.describe(); // an unknown case answers 404 before the stream starts
        return { body: null, stream: (sink) => follow(handle, claim, after, sink) };
      },
    },
    {
      method: 'post',
      path: '/chat/:token/messages',
      summary: "The customer writes on the chat page (signed link; Idempotency-Key: the client's message id)",
      permission: null,
      body: s.chatMessageBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const claim = claimOf(ctx.params.token);
        const key = idempotencyKeyOf(ctx);
        if (!key)
          throw new HttpError(400, 'bad_request', "Idempotency-Key is required: the client's id of the message");
        const handle = env.handleFor(claim.caseId);
        const reply = { message: (ctx.body as z.infer<typeof s.chatMessageBody>).text };
        // Signals have no ids of their own: the key rides in the payload and the case ignores a repeat.
        const idempotencyKey = actionUpdateId(CHAT_CALLER, key);
        const replayed = (await priorUseSoon(handle, idempotencyKey, reply)) === 'replay';
        // `at`: when the customer wrote it, even if no worker takes the signal until later.
        const at = new Date().toISOString();
        if (!replayed) await handle.signal(customerReplySignal, { ...reply, at, via: claim.channel, idempotencyKey });
        wakers.wake(claim.caseId); // this process's streams of the case look at once
        return { status: 202, body: { accepted: true }, ...(replayed ? { headers: REPLAYED } : {}) };
      },
    },
  ];
}

/**
 * What the case remembers of a message's key, if its worker answers soon; 'unknown' while none does
 * (a worker restarting): the signal goes in all the same, the server keeps it, and the case itself
 * drops a repeat of the key. The customer's message is never refused for want of a worker.
 */
async function priorUseSoon(handle: WorkflowHandle, updateId: string, input: unknown) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      priorUse(handle, updateId, input),
      new Promise<'unknown'>((resolve) => (timer = setTimeout(() => resolve('unknown'), PRIOR_USE_WAIT_MS))),
    ]);
  } catch (err) {
    if (err instanceof HttpError || err instanceof WorkflowNotFoundError) throw err;
    return 'unknown';
  } finally {
    clearTimeout(timer);
  }
}

/** Wake-ups per case: a stream waits for its next look, or for a message sent through this process. */
function wakeUps() {
  const waiting = new Map<string, Set<() => void>>();
  return {
    wait(caseId: string, ms: number, signal: AbortSignal): Promise<void> {
      return new Promise((resolve) => {
        const set = waiting.get(caseId) ?? new Set<() => void>();
        waiting.set(caseId, set);
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          set.delete(done);
          if (set.size === 0 && waiting.get(caseId) === set) waiting.delete(caseId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done);
        set.add(done);
      });
    },
    wake(caseId: string): void {
      for (const done of [...(waiting.get(caseId) ?? [])]) done();
    },
  };
}
