// Server-Sent Events for a route: a route's Reply may carry a `stream` instead of a body, and the
// app answers 200 text/event-stream and runs it until it returns or the client goes away.
import type { Response } from 'express';

/** One event: `id:` (what a reconnect's Last-Event-ID names), `event:` and one line of JSON data. */
export interface StreamEvent {
  id?: number;
  event?: string;
  data: unknown;
}

/** What a stream writes to. */
export interface EventSink {
  send(e: StreamEvent): void;
  /** A comment line: keeps proxies and idle timers from closing a quiet stream. */
  comment(text: string): void;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

/** A route's event stream: it runs until it returns, or until its sink's signal aborts. */
export type EventStream = (sink: EventSink) => Promise<void>;

/** Runs a stream on a response whose status and headers are not sent yet. */
export async function runEventStream(
  res: Response,
  stream: EventStream,
  log: (entry: Record<string, unknown>) => void,
  route: string,
): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('X-Accel-Buffering', 'no'); // a buffering proxy (nginx) would hold the events back
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (res.req.method === 'HEAD') {
    res.end(); // the headers only: a HEAD never holds a connection open
    return;
  }
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  const write = (s: string) => {
    if (!abort.signal.aborted && !res.writableEnded) res.write(s);
  };
  const sink: EventSink = {
    send: (e) =>
      write(
        `${e.id !== undefined ? `id: ${e.id}\n` : ''}${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`,
      ),
    comment: (text) => write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`),
    signal: abort.signal,
  };
  try {
    await stream(sink);
  } catch (err) {
    log({ level: 'error', msg: 'event stream failed', route, error: (err as Error).message });
  } finally {
    if (!res.writableEnded) res.end();
  }
}
