import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, readBody } from './http';

/** A message-bearing Slack call (postMessage / update / postEphemeral) the stand-in accepted. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  threadTs?: string;
  metadata?: unknown;
  /** Target user of a chat.postEphemeral. */
  user?: string;
  method: string;
  receivedAt: number;
}

/** Any Web API call the stand-in received, successful or not (token never included). */
export interface SlackApiCall {
  method: string;
  params: Record<string, unknown>;
  ok: boolean;
  error?: string;
  receivedAt: number;
}

/** A file shared through files.getUploadURLExternal, the upload and files.completeUploadExternal. */
export interface SlackFile {
  id: string;
  filename: string;
  title?: string;
  /** Where it was shared (channel_id of completeUploadExternal); absent while only uploaded. */
  channel?: string;
  initialComment?: string;
  bytes: Buffer;
  receivedAt: number;
}

/** A running Slack Web API stand-in; `messages` holds accepted messages in arrival order. */
export interface SlackStandin {
  apiUrl: string;
  port: number;
  messages: SlackMessage[];
  calls: SlackApiCall[];
  /** Files shared to a channel (uploaded and completed), in order. */
  files: SlackFile[];
  /** Resolves with the first shared file that matches. */
  waitForFile(pred: (f: SlackFile) => boolean, timeoutMs?: number): Promise<SlackFile>;
  waitFor(pred: (m: SlackMessage) => boolean, timeoutMs?: number): Promise<SlackMessage>;
  clear(): void;
  close(): Promise<void>;
  failNext(method: string, error: string, times?: number): void;
}

/** Options for {@link startSlackStandin}; with `token` set, only that bearer token is accepted. */
export interface SlackStandinOptions {
  port?: number;
  host?: string;
  token?: string;
  log?: (line: string) => void;
}

type Params = Record<string, unknown>;
type SlackResult = { ok: true; [k: string]: unknown } | { ok: false; error: string; [k: string]: unknown };

const MAX_BODY_BYTES = 1024 * 1024;
const TEAM_ID = 'T0STANDIN';
const BOT_USER_ID = 'U0STANDINBOT';
const BOT_ID = 'B0STANDIN';

class SlackCallError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface Waiter {
  pred: (m: SlackMessage) => boolean;
  resolve: (m: SlackMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Starts a Slack Web API stand-in on 127.0.0.1 (random port unless `port` is given). */
export async function startSlackStandin(opts: SlackStandinOptions = {}): Promise<SlackStandin> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const messages: SlackMessage[] = [];
  const calls: SlackApiCall[] = [];
  const failures = new Map<string, { error: string; remaining: number }[]>();
  // Kept apart from `messages` so clear() (an assertion reset) doesn't make a peer's later chat.update fail.
  const posted = new Map<string, SlackMessage>();
  const waiters = new Set<Waiter>();
  // Uploads: getUploadURLExternal reserves an id, the client POSTs the bytes to its upload URL,
  // completeUploadExternal shares it (as Slack's files.uploadV2 does, in three calls).
  const uploads = new Map<string, SlackFile>();
  const files: SlackFile[] = [];
  const fileWaiters = new Set<{ pred: (f: SlackFile) => boolean; resolve: (f: SlackFile) => void }>();
  let uploadBase = '';
  let lastMicros = 0;
  let closed = false;

  function nextTs(): string {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    const sec = Math.floor(lastMicros / 1_000_000);
    const micro = lastMicros % 1_000_000;
    return `${sec}.${String(micro).padStart(6, '0')}`;
  }

  /** The message's buttons, so a developer knows what to click (scripts/slack-click.ts clicks them). */
  function buttonsOf(blocks: unknown[] | undefined): string {
    const buttons = (blocks ?? []).flatMap((b) => {
      const el = (b as { type?: string; elements?: unknown }).elements;
      return (b as { type?: string }).type === 'actions' && Array.isArray(el) ? el : [];
    }) as { type?: string; action_id?: string; text?: { text?: string } }[];
    const named = buttons.filter((e) => e.type === 'button' && !('url' in e));
    return named.length
      ? ` [buttons: ${named.map((e) => `${e.text?.text ?? '?'} (${e.action_id ?? '?'})`).join(', ')}]`
      : '';
  }

  function record(m: SlackMessage): void {
    messages.push(m);
    const preview = (m.text ?? '').replace(/\s+/g, ' ').slice(0, 80);
    log(`slack-standin ${m.method} #${m.channel.replace(/^#/, '')}: ${preview}${buttonsOf(m.blocks)}`);
    for (const w of [...waiters]) {
      if (safePred(w.pred, m)) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  }

  function takeFailure(method: string): string | undefined {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) failures.delete(method);
    return head.error;
  }

  function handleMethod(method: string, p: Params): SlackResult {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://standin.slack.com/',
          team: 'Stand-in',
          user: 'standin-bot',
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        };
      case 'files.getUploadURLExternal': {
        const filename = optionalString(p.filename);
        const length = Number(p.length);
        if (!filename || !Number.isInteger(length) || length <= 0) throw new SlackCallError('invalid_arguments');
        const id = `F0${(uploads.size + 1).toString().padStart(8, '0')}`;
        uploads.set(id, { id, filename, bytes: Buffer.alloc(0), receivedAt: Date.now() });
        return { ok: true, upload_url: `${uploadBase}${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = parseJsonField(p.files, 'invalid_arguments');
        if (!Array.isArray(list) || list.length === 0) throw new SlackCallError('invalid_arguments');
        const done: SlackFile[] = [];
        for (const entry of list as { id?: string; title?: string }[]) {
          const f = entry.id ? uploads.get(entry.id) : undefined;
          if (!f || f.bytes.length === 0) throw new SlackCallError('file_not_found');
          done.push(f);
        }
        const channel = optionalString(p.channel_id) ?? optionalString(p.channels);
        const comment = optionalString(p.initial_comment);
        for (const [i, f] of done.entries()) {
          const title = (list as { title?: string }[])[i].title;
          const shared: SlackFile = {
            ...f,
            ...(title ? { title } : {}),
            ...(channel ? { channel } : {}),
            ...(comment ? { initialComment: comment } : {}),
            receivedAt: Date.now(),
          };
          files.push(shared);
          log(
            `slack-standin file ${shared.filename} (${shared.bytes.length} bytes) -> #${(channel ?? '').replace(/^#/, '')}`,
          );
          for (const w of fileWaiters) if (safePred(w.pred, shared)) (fileWaiters.delete(w), w.resolve(shared));
        }
        return { ok: true, files: done.map((f) => ({ id: f.id, name: f.filename, title: f.title ?? f.filename })) };
      }
      case 'chat.postMessage': {
        const channel = requireChannel(p);
        const content = messageContent(p);
        const threadTs = optionalString(p.thread_ts);
        const ts = nextTs();
        const m: SlackMessage = { channel, ts, ...content, method, receivedAt: Date.now() };
        if (threadTs !== undefined) m.threadTs = threadTs;
        posted.set(key(channel, ts), m);
        record(m);
        return { ok: true, channel, ts, message: wireMessage(m) };
      }
      case 'chat.update': {
        const channel = requireChannel(p);
        const ts = optionalString(p.ts);
        if (ts === undefined) throw new SlackCallError('message_not_found');
        const original = posted.get(key(channel, ts));
        if (!original) throw new SlackCallError('message_not_found');
        const content = messageContent(p);
        const m: SlackMessage = { channel, ts, ...content, method, receivedAt: Date.now() };
        if (original.threadTs !== undefined) m.threadTs = original.threadTs;
        posted.set(key(channel, ts), m);
        record(m);
        return { ok: true, channel, ts, text: m.text ?? '', message: wireMessage(m) };
      }
      case 'chat.postEphemeral': {
        const channel = requireChannel(p);
        const user = optionalString(p.user);
        if (user === undefined) throw new SlackCallError('user_not_in_channel');
        const content = messageContent(p);
        const ts = nextTs();
        const m: SlackMessage = { channel, ts, ...content, user, method, receivedAt: Date.now() };
        const threadTs = optionalString(p.thread_ts);
        if (threadTs !== undefined) m.threadTs = threadTs;
        record(m);
        return { ok: true, message_ts: ts };
      }
      case 'users.lookupByEmail': {
        const email = optionalString(p.email)?.trim().toLowerCase();
        if (!email || !email.includes('@')) throw new SlackCallError('users_not_found');
        const id = 'U' + createHash('sha256').update(email).digest('hex').slice(0, 10).toUpperCase();
        const name = email.split('@')[0] ?? email;
        return {
          ok: true,
          user: {
            id,
            team_id: TEAM_ID,
            name,
            real_name: name,
            deleted: false,
            is_bot: false,
            tz: 'UTC',
            profile: { email, real_name: name, display_name: name },
          },
        };
      }
      default:
        throw new SlackCallError('unknown_method');
    }
  }

  function dispatch(
    method: string,
    p: Params,
    authHeader: string | undefined,
  ): { status: number; body: SlackResult; headers?: Record<string, string> } {
    const bearer = /^Bearer\s+(.+)$/i.exec(authHeader ?? '')?.[1]?.trim();
    const token = bearer ?? optionalString(p.token);
    if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (opts.token !== undefined && token !== opts.token)
      return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const injected = takeFailure(method);
    if (injected === 'ratelimited') {
      // Real Slack rate-limits with HTTP 429 + Retry-After, which the client handles differently from ok:false.
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': '1' } };
    }
    if (injected !== undefined) return { status: 200, body: { ok: false, error: injected } };
    try {
      return { status: 200, body: handleMethod(method, p) };
    } catch (e) {
      if (e instanceof SlackCallError) return { status: 200, body: { ok: false, error: e.code } };
      throw e;
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const upload = /^\/upload\/(F0[0-9]+)$/.exec(url.pathname);
    if (upload?.[1] && req.method === 'POST') {
      const pending = uploads.get(upload[1]);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 20 * MAX_BODY_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        if (!pending || size > 20 * MAX_BODY_BYTES) {
          res.writeHead(pending ? 413 : 404).end();
          return;
        }
        pending.bytes = uploadBytes(Buffer.concat(chunks), req.headers['content-type']);
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`OK - ${pending.bytes.length}`);
      });
      return;
    }
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!match?.[1]) {
      send(404, { ok: false, error: 'unknown_method' });
      req.resume();
      return;
    }
    const method = match[1];
    readBody(req, MAX_BODY_BYTES)
      .then(
        (raw) => {
          let params: Params;
          try {
            params = { ...Object.fromEntries(url.searchParams), ...parseBody(raw, req.headers['content-type']) };
          } catch {
            send(200, { ok: false, error: 'invalid_form_data' });
            return;
          }
          const result = dispatch(method, params, req.headers.authorization);
          const loggedParams = { ...params };
          delete loggedParams.token;
          const call: SlackApiCall = { method, params: loggedParams, ok: result.body.ok, receivedAt: Date.now() };
          if (!result.body.ok) call.error = result.body.error;
          calls.push(call);
          if (!result.body.ok) log(`slack-standin ${method} -> ${result.body.error}`);
          send(result.status, result.body, {
            // The client copies this header into response_metadata.scopes.
            'X-OAuth-Scopes': 'chat:write,users:read,users:read.email',
            ...result.headers,
          });
        },
        (err: unknown) => {
          const tooLarge = err instanceof Error && err.message === 'body too large';
          send(tooLarge ? 413 : 400, { ok: false, error: tooLarge ? 'request_too_large' : 'invalid_form_data' });
        },
      )
      .catch((err: unknown) => {
        log(`slack-standin ${method} internal error: ${String(err)}`);
        if (!res.headersSent) send(500, { ok: false, error: 'internal_error' });
      });
  });

  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  uploadBase = `http://${urlHost}:${port}/upload/`;

  return {
    apiUrl: `http://${urlHost}:${port}/api/`,
    port,
    messages,
    calls,
    files,
    waitForFile(pred, timeoutMs = 5000) {
      const existing = files.find((f) => safePred(pred, f));
      if (existing) return Promise.resolve(existing);
      return new Promise<SlackFile>((resolve, reject) => {
        const w = { pred, resolve: (f: SlackFile) => (clearTimeout(timer), resolve(f)) };
        const timer = setTimeout(() => {
          fileWaiters.delete(w);
          reject(new Error(`slack-standin: no matching file within ${timeoutMs}ms (shared: ${files.length})`));
        }, timeoutMs);
        fileWaiters.add(w);
      });
    },
    waitFor(pred, timeoutMs = 5000) {
      // Matches already received count, so a message that lands before waitFor() is called isn't missed.
      const existing = messages.find((m) => safePred(pred, m));
      if (existing) return Promise.resolve(existing);
      return new Promise<SlackMessage>((resolve, reject) => {
        const waiter: Waiter = {
          pred,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const seen =
              messages.map((m) => `${m.method} ${m.channel} ${JSON.stringify(m.text ?? '')}`).join('; ') || 'none';
            reject(new Error(`slack-standin: no matching message within ${timeoutMs}ms (received: ${seen})`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    clear() {
      messages.length = 0;
      calls.length = 0;
      files.length = 0;
      failures.clear();
    },
    failNext(method, error, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ error, remaining: times });
      failures.set(method, queue);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('slack-standin closed'));
      }
      waiters.clear();
      await closeServer(server);
    },
  };
}

// The client posts the bytes as multipart/form-data (one `file` part); a raw body is taken as is.
function uploadBytes(body: Buffer, contentType: string | undefined): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(delimiter);
  const headerEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`), headerEnd);
  if (start < 0 || headerEnd < 0 || end < 0) return body;
  return body.subarray(headerEnd + 4, end);
}

function key(channel: string, ts: string): string {
  return `${channel}\u0000${ts}`;
}

function safePred<T>(pred: (m: T) => boolean, m: T): boolean {
  try {
    return pred(m);
  } catch {
    return false;
  }
}

function optionalString(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function requireChannel(p: Params): string {
  const channel = optionalString(p.channel);
  if (channel === undefined) throw new SlackCallError('channel_not_found');
  return channel;
}

// The client JSON-encodes every non-scalar argument into a form field, so blocks/metadata arrive as strings.
function parseJsonField(v: unknown, error: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new SlackCallError(error);
  }
}

function messageContent(p: Params): Pick<SlackMessage, 'text' | 'blocks' | 'metadata'> {
  const out: Pick<SlackMessage, 'text' | 'blocks' | 'metadata'> = {};
  const text = optionalString(p.text);
  if (text !== undefined) out.text = text;
  if (p.blocks !== undefined && p.blocks !== '') {
    const blocks = parseJsonField(p.blocks, 'invalid_blocks_format');
    if (!Array.isArray(blocks)) throw new SlackCallError('invalid_blocks_format');
    if (blocks.length > 0) out.blocks = blocks;
  }
  const hasAttachments = p.attachments !== undefined && p.attachments !== '' && p.attachments !== '[]';
  if (out.text === undefined && out.blocks === undefined && !hasAttachments) throw new SlackCallError('no_text');
  if (p.metadata !== undefined && p.metadata !== '')
    out.metadata = parseJsonField(p.metadata, 'invalid_metadata_format');
  return out;
}

function wireMessage(m: SlackMessage): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    type: 'message',
    subtype: 'bot_message',
    text: m.text ?? '',
    user: BOT_USER_ID,
    bot_id: BOT_ID,
    team: TEAM_ID,
    ts: m.ts,
  };
  if (m.blocks) msg.blocks = m.blocks;
  if (m.threadTs !== undefined) msg.thread_ts = m.threadTs;
  if (m.metadata !== undefined) msg.metadata = m.metadata;
  return msg;
}

function parseBody(raw: string, contentType: string | undefined): Params {
  if (raw.trim() === '') return {};
  if ((contentType ?? '').toLowerCase().includes('application/json')) {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Params;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
