// The archive of case audit trails: the entries that left a case's bounded state. A directory per
// case holds segments, one JSON-lines file per archived seq range (`<from>-<to>.jsonl`, 12 digits
// each), each written to a temporary file and renamed into place, so a reader never sees half a
// segment. Writes are idempotent by case id and seq: entries the case's segments already hold are
// skipped, and a segment written twice (two workers racing on one batch) has the same name and the
// same content. Readers de-duplicate by seq as well, so even overlapping segments read once.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveWriter } from '../../activities/archive';
import type { TimelineEntry } from '../../workflows/contracts';

/** Reads a case's archived trail. */
export interface ArchiveReader {
  /** Archived entries with seq < `before` (all of them without it), newest first, at most `limit`. */
  readBefore(caseId: string, before: number | undefined, limit: number): Promise<TimelineEntry[]>;
}

/** A case's archive: written by the worker's archiveTimeline activity, read by the API. */
export type ArchiveStore = ArchiveWriter & ArchiveReader;

const SEGMENT = /^(\d{12})-(\d{12})\.jsonl$/;
const SAFE_CASE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const pad = (n: number) => String(n).padStart(12, '0');

interface Segment {
  from: number;
  to: number;
  file: string;
}

/** The file store under `dir` (ARCHIVE_DIR): `<dir>/<caseId>/<from>-<to>.jsonl`. */
export function createFileArchiveStore(dir: string): ArchiveStore {
  const caseDir = (caseId: string) => {
    // The id becomes a directory name: nothing that could leave `dir`.
    if (!SAFE_CASE_ID.test(caseId)) throw new Error('archive: not a case id');
    return path.join(dir, caseId);
  };
  const segments = async (caseId: string): Promise<Segment[]> => {
    let names: string[];
    try {
      names = await readdir(caseDir(caseId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((file) => {
      const m = SEGMENT.exec(file);
      return m ? [{ from: Number(m[1]), to: Number(m[2]), file }] : [];
    });
  };
  const readSegment = async (caseId: string, seg: Segment): Promise<TimelineEntry[]> =>
    (await readFile(path.join(caseDir(caseId), seg.file), 'utf8'))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as TimelineEntry);

  return {
    async append(caseId, entries) {
      const held = await segments(caseId);
      const fresh = entries.filter((e) => !held.some((s) => e.seq >= s.from && e.seq <= s.to));
      if (fresh.length === 0) return { written: 0, skipped: entries.length };
      const where = caseDir(caseId);
      await mkdir(where, { recursive: true, mode: 0o700 }); // notes are personal data: owner only, like the files
      const final = path.join(where, `${pad(fresh[0].seq)}-${pad(fresh.at(-1)!.seq)}.jsonl`);
      const tmp = path.join(where, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(fresh.map((e) => `${JSON.stringify(e)}\n`).join(''));
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, final);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { written: fresh.length, skipped: entries.length - fresh.length };
    },

    async readBefore(caseId, before, limit) {
      const bound = before ?? Number.MAX_SAFE_INTEGER;
      const newestFirst = (await segments(caseId)).filter((s) => s.from < bound).sort((a, b) => b.to - a.to);
      const found = new Map<number, TimelineEntry>();
      const page = () => [...found.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
      for (const seg of newestFirst) {
        // Segments further down hold only older entries than the limit-th newest found so far.
        if (found.size >= limit && seg.to < page()[limit - 1].seq) break;
        for (const e of await readSegment(caseId, seg)) if (e.seq < bound && !found.has(e.seq)) found.set(e.seq, e);
      }
      return page();
    },
  };
}
