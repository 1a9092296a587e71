import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { receiveSmtpData, smtpError } from '../../src/inbound/smtp-data';
import type { AddressObject, HeaderValue, ParsedMail } from 'mailparser';

/** One e-mail as the inbox received it; also the shape of each stored <id>.json file. */
export interface ReceivedMail {
  /** Sequential, zero-padded ('000001'); doubles as the file name stem in the inbox folder. */
  id: string;
  messageId?: string;
  /** Envelope sender (MAIL FROM), lower-case; '' for a null sender. The From header is in headers.from. */
  from: string;
  /** Envelope recipients (RCPT TO), lower-case; includes Bcc recipients, which no header shows. */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** Lower-case header names; decoded values as strings (addresses as text, dates as ISO, repeated headers joined with ", "). */
  headers: Record<string, string>;
  /** ISO timestamp. */
  receivedAt: string;
  /** Attachments (inline images have a cid); bytes are in the .eml. */
  attachments?: { filename?: string; contentType: string; cid?: string; size: number; inline: boolean }[];
}

/** A running inbox: the SMTP endpoint plus read access to what it received. */
export interface SmtpInbox {
  /** 'smtp://127.0.0.1:PORT', usable directly as a nodemailer transport URL. */
  url: string;
  port: number;
  dir?: string;
  /** Snapshot of received mail, oldest first. */
  messages(): ReceivedMail[];
  /** Resolves with the first mail (already received or arriving later) matching pred; rejects after timeoutMs (default 10000). */
  waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Forgets received mail in memory; stored files stay and ids keep counting so nothing gets overwritten. */
  clear(): void;
  /** Stops the server; pending waitFor calls reject. */
  close(): Promise<void>;
}

/** Options for startSmtpInbox. */
export interface SmtpInboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Folder for <id>.eml and <id>.json; created if missing, existing mail is loaded on start. */
  dir?: string;
  /** Receives one line per mail, with addresses masked. */
  log?: (line: string) => void;
}

/** Largest message accepted; larger ones get 552 and are not stored. */
export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

const ID_WIDTH = 6;
const ID_FILE = /^(\d+)\.(json|eml)$/;

/** Formats a sequence number as a mail id ('000042'). */
export function formatMailId(n: number): string {
  return String(n).padStart(ID_WIDTH, '0');
}

/** Masks the local part of an e-mail address ('alice@x.org' -> 'a***@x.org') so logs carry no personal data. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** Lists the mail stored in an inbox folder, sorted by id; a missing folder is an empty inbox. */
export function readInboxDir(dir: string): ReceivedMail[] {
  return loadInboxDir(dir).mails;
}

interface LoadedDir {
  mails: ReceivedMail[];
  /** Files that exist but are not a readable ReceivedMail. */
  skipped: string[];
  /** Highest id seen in any .json or .eml file, so a crash between the two writes cannot lead to reuse. */
  maxId: number;
}

function loadInboxDir(dir: string): LoadedDir {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { mails: [], skipped: [], maxId: 0 };
    throw err;
  }
  const mails: ReceivedMail[] = [];
  const skipped: string[] = [];
  let maxId = 0;
  for (const name of names) {
    const m = ID_FILE.exec(name);
    if (!m) continue;
    maxId = Math.max(maxId, Number(m[1]));
    if (m[2] !== 'json') continue;
    try {
      const mail: unknown = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      if (isReceivedMail(mail)) mails.push(mail);
      else skipped.push(name);
    } catch {
      skipped.push(name);
    }
  }
  mails.sort((a, b) => Number(a.id) - Number(b.id));
  return { mails, skipped, maxId };
}

function isReceivedMail(v: unknown): v is ReceivedMail {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.id === 'string' &&
    /^\d+$/.test(m.id) &&
    typeof m.from === 'string' &&
    Array.isArray(m.to) &&
    typeof m.subject === 'string' &&
    typeof m.text === 'string' &&
    typeof m.headers === 'object' &&
    m.headers !== null &&
    typeof m.receivedAt === 'string'
  );
}

function headerToString(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => headerToString(v)).join(', ');
  if ('text' in value) return (value as AddressObject).text;
  const params = Object.entries(value.params ?? {})
    .map(([k, v]) => `; ${k}=${JSON.stringify(v)}`)
    .join('');
  return `${value.value}${params}`;
}

function headersToRecord(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of parsed.headers) out[name.toLowerCase()] = headerToString(value);
  return out;
}

function urlHost(host: string): string {
  // A wildcard bind address is not something a client can connect to.
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a plain-SMTP server on loopback that accepts every mail and keeps it in memory (and in opts.dir when set). */
export async function startSmtpInbox(opts: SmtpInboxOptions = {}): Promise<SmtpInbox> {
  const host = opts.host ?? '127.0.0.1';
  const dir = opts.dir === undefined ? undefined : path.resolve(opts.dir);
  const log = opts.log ?? (() => undefined);

  let mails: ReceivedMail[] = [];
  let nextId = 1;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    const loaded = loadInboxDir(dir);
    mails = loaded.mails;
    nextId = loaded.maxId + 1;
    for (const name of loaded.skipped) log(`smtp-inbox: skipped unreadable ${path.join(dir, name)}`);
  }

  type Waiter = {
    pred: (m: ReceivedMail) => boolean;
    resolve: (m: ReceivedMail) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  };
  const waiters = new Set<Waiter>();
  let closed = false;

  const notify = (mail: ReceivedMail): void => {
    for (const w of [...waiters]) {
      let hit: boolean;
      try {
        hit = w.pred(mail);
      } catch (err) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (hit) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(mail);
      }
    }
  };

  // Claims the next id by creating <id>.eml exclusively, so a second process on the same folder cannot overwrite it.
  const claimId = async (raw: Buffer): Promise<string> => {
    for (;;) {
      const id = formatMailId(nextId++);
      if (!dir) return id;
      try {
        await fs.promises.writeFile(path.join(dir, `${id}.eml`), raw, { flag: 'wx' });
        return id;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  };

  const store = async (raw: Buffer, session: SMTPServerSession): Promise<ReceivedMail> => {
    const parsed = await simpleParser(raw, { keepCidLinks: true });
    const id = await claimId(raw);
    const mail: ReceivedMail = {
      id,
      ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '',
      to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
      headers: headersToRecord(parsed),
      receivedAt: new Date().toISOString(),
      ...(parsed.attachments.length
        ? {
            attachments: parsed.attachments.map((a) => ({
              ...(a.filename ? { filename: a.filename } : {}),
              contentType: a.contentType,
              ...(a.cid ? { cid: a.cid } : {}),
              size: a.size,
              inline: a.contentDisposition === 'inline' || a.related === true,
            })),
          }
        : {}),
    };
    if (dir) {
      // Write-then-rename: readers only ever see complete .json files.
      const tmp = path.join(dir, `.${id}.json.tmp`);
      await fs.promises.writeFile(tmp, JSON.stringify(mail, null, 2) + '\n');
      await fs.promises.rename(tmp, path.join(dir, `${id}.json`));
    }
    mails.push(mail);
    const target = dir ? path.join(dir, `${id}.eml`) : '(memory)';
    log(
      `smtp-inbox: mail ${id} to ${mail.to.map(maskAddress).join(', ')} ${JSON.stringify(mail.subject)} -> ${target}`,
    );
    notify(mail);
    return mail;
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void => {
    receiveSmtpData(
      stream,
      MAX_MESSAGE_BYTES,
      callback,
      async (raw) => `Message queued as ${(await store(raw, session)).id}`,
      (err) => smtpError(`Could not store message: ${err instanceof Error ? err.message : String(err)}`, 451),
      `Message exceeds fixed maximum message size ${MAX_MESSAGE_BYTES}`,
    );
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    logger: false,
    // No DNS on a loopback stand-in: reverse lookups only add latency (or hang offline).
    disableReverseLookup: true,
    // A pooled client holding an idle connection must not stall close() for the default 30 s.
    closeTimeout: 1000,
    banner: 'smtp-inbox (local stand-in, mail is kept, not delivered)',
    onData,
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After startup, a connection-level error must not crash the process hosting the stand-in.
  server.on('error', (err: Error) => log(`smtp-inbox: server error: ${err.message}`));

  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp-inbox: server has no TCP address');
  const port = address.port;

  return {
    url: `smtp://${urlHost(host)}:${port}`,
    port,
    ...(dir ? { dir } : {}),
    messages: () => [...mails],
    waitFor(pred, timeoutMs = 10000) {
      let seen: ReceivedMail | undefined;
      try {
        seen = mails.find(pred);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      if (seen) return Promise.resolve(seen);
      if (closed) return Promise.reject(new Error('smtp-inbox: waitFor called on a closed inbox'));
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter: Waiter = {
          pred,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(
              new Error(
                `smtp-inbox: no matching mail within ${timeoutMs} ms (${mails.length} message(s) in the inbox did not match)`,
              ),
            );
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    clear() {
      mails = [];
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('smtp-inbox: closed while waiting for mail'));
      }
      waiters.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
