// Where inbound e-mail keeps what does not belong in workflow history: attachments (a file store,
// content-addressed, so a redelivered message stores nothing twice) and the messages the product
// could not place (kept raw with the reason, listed at GET /inbound/rejected). Both write a
// temporary file, fsync it and rename it, so "kept" means on disk before anyone is told so.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentRef } from '../../workflows/contracts';
import type { InboundAttachment } from './message';

/** Writes a file durably: temporary file, fsync, rename, fsync of the directory. */
async function writeDurably(file: string, data: Buffer | string): Promise<void> {
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
  try {
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* some file systems cannot fsync a directory; the rename is done */
  }
}

/** The ref of an attachment that is listed on its message but was not stored. */
export const NOT_STORED = { tooLarge: 'not-stored:too-large', noContent: 'not-stored:no-content' } as const;

/** The attachment store: files by the SHA-256 of their bytes, under ATTACHMENTS_DIR. */
export interface AttachmentStore {
  /** Stores what fits the limit and returns every attachment's ref (name, size, type, ref). */
  keep(attachments: InboundAttachment[]): Promise<AttachmentRef[]>;
  /** The stored bytes of a ref, or undefined. */
  read(ref: string): Promise<Buffer | undefined>;
}

const clean = (s: string, max: number) => s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, max);

/** A file store under `dir`; attachments larger than `maxBytes` are listed but not stored. */
export function attachmentStore(dir: string, maxBytes: number): AttachmentStore {
  const fileOf = (ref: string) => {
    const m = /^sha256:([0-9a-f]{64})$/.exec(ref);
    return m ? path.join(dir, m[1]) : undefined;
  };
  return {
    async keep(attachments) {
      const refs: AttachmentRef[] = [];
      for (const a of attachments.slice(0, 200)) {
        const base = {
          name: clean(a.name || 'attachment', 500),
          size: a.size,
          type: clean(a.type || 'application/octet-stream', 200),
        };
        if (a.brevoDownloadToken) {
          // Brevo keeps the file; fetching it needs the Brevo API key (not configured here).
          refs.push({ ...base, ref: `brevo:${clean(a.brevoDownloadToken, 900)}` });
        } else if (!a.content) {
          refs.push({ ...base, ref: NOT_STORED.noContent });
        } else if (a.content.length > maxBytes) {
          refs.push({ ...base, size: a.content.length, ref: NOT_STORED.tooLarge });
        } else {
          const digest = createHash('sha256').update(a.content).digest('hex');
          const file = path.join(dir, digest);
          if (!fs.existsSync(file)) await writeDurably(file, a.content);
          refs.push({ ...base, size: a.content.length, ref: `sha256:${digest}` });
        }
      }
      return refs;
    },
    async read(ref) {
      const file = fileOf(ref);
      if (!file) return undefined;
      try {
        return await fs.promises.readFile(file);
      } catch {
        return undefined;
      }
    },
  };
}

/** One message kept as rejected, as GET /inbound/rejected lists it. */
export interface RejectedMessage {
  id: string;
  receivedAt: string;
  via: 'smtp' | 'brevo';
  reason: string;
  from?: string;
  subject?: string;
  messageId?: string;
  /** The file next to this entry holding the message as it arrived (raw .eml, or Brevo's JSON item). */
  rawFile: string;
}

/** The rejected-mail store under INBOUND_REJECTED_DIR. */
export interface RejectedStore {
  /** Keeps a message with the reason; the same message (same key) kept twice is one entry. */
  keep(
    entry: Omit<RejectedMessage, 'id' | 'receivedAt' | 'rawFile'> & { key: string; raw: Buffer | string },
  ): Promise<RejectedMessage>;
  /** The newest first, at most `limit`. */
  list(limit: number): Promise<{ count: number; messages: RejectedMessage[] }>;
}

/** A rejected-mail store under `dir`: `<id>.json` (the entry) and `<id>.eml` or `<id>.brevo.json` (the message). */
export function rejectedStore(dir: string): RejectedStore {
  return {
    async keep({ key, raw, ...entry }) {
      const id = createHash('sha256').update(`${entry.via}\u0000${key}`).digest('hex').slice(0, 24);
      const rawFile = `${id}${entry.via === 'smtp' ? '.eml' : '.brevo.json'}`;
      const file = path.join(dir, `${id}.json`);
      try {
        const prior = JSON.parse(await fs.promises.readFile(file, 'utf8')) as RejectedMessage;
        if (prior.id === id) return prior; // kept already: a redelivery adds nothing
      } catch {
        /* not kept yet */
      }
      const kept: RejectedMessage = {
        id,
        receivedAt: new Date().toISOString(),
        ...entry,
        ...(entry.from ? { from: clean(entry.from, 320) } : {}),
        ...(entry.subject ? { subject: clean(entry.subject, 500) } : {}),
        rawFile,
      };
      await writeDurably(path.join(dir, rawFile), raw);
      await writeDurably(file, `${JSON.stringify(kept, null, 2)}\n`);
      return kept;
    },
    async list(limit) {
      let names: string[];
      try {
        names = await fs.promises.readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { count: 0, messages: [] };
        throw err;
      }
      const entries: RejectedMessage[] = [];
      for (const name of names.filter((n) => /^[0-9a-f]{24}\.json$/.test(n))) {
        try {
          entries.push(JSON.parse(await fs.promises.readFile(path.join(dir, name), 'utf8')) as RejectedMessage);
        } catch {
          /* a file being written, or not ours */
        }
      }
      entries.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
      return { count: entries.length, messages: entries.slice(0, limit) };
    },
  };
}
