import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { archiveActivities } from '../../activities/archive';
import { tempArchiveDir } from '../../dev/fixtures';
import { createFileArchiveStore } from '../../src/integrations/archive-store';
import type { TimelineEntry } from '../../workflows/contracts';

const entry = (seq: number): TimelineEntry => ({
  seq,
  at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
  actor: { id: 'alex-agent', name: 'Alex Agent', role: 'agent' },
  action: 'note_added',
  note: `note ${seq}`,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));
const seqs = (list: TimelineEntry[]) => list.map((e) => e.seq);

describe('archive store (files under ARCHIVE_DIR) and the archiveTimeline activity', () => {
  it('writes the same entries once, however often they are sent', async () => {
    const dir = tempArchiveDir();
    const store = createFileArchiveStore(dir);
    assert.deepEqual(await store.append('ES-ARCH1', range(1, 10)), { written: 10, skipped: 0 });
    assert.deepEqual(await store.append('ES-ARCH1', range(1, 10)), { written: 0, skipped: 10 });
    // A later run sends a longer batch that starts with entries already held: only the new ones are written.
    assert.deepEqual(await store.append('ES-ARCH1', range(5, 15)), { written: 5, skipped: 6 });
    assert.deepEqual(readdirSync(path.join(dir, 'ES-ARCH1')).sort(), [
      '000000000001-000000000010.jsonl',
      '000000000011-000000000015.jsonl',
    ]);
    const lines = readdirSync(path.join(dir, 'ES-ARCH1')).flatMap((f) =>
      readFileSync(path.join(dir, 'ES-ARCH1', f), 'utf8')
        .trim()
        .split('\n'),
    );
    assert.equal(lines.length, 15, 'one line per entry on disk');
    assert.deepEqual(
      seqs(await store.readBefore('ES-ARCH1', undefined, 100)),
      range(1, 15)
        .map((e) => e.seq)
        .reverse(),
    );
  });

  it('reads newest first, before a seq, a page at a time, and keeps cases apart', async () => {
    const store = createFileArchiveStore(tempArchiveDir());
    for (let from = 1; from <= 250; from += 50) await store.append('ES-ARCH2', range(from, from + 49));
    await store.append('ES-ARCH3', range(1, 3));
    assert.deepEqual(seqs(await store.readBefore('ES-ARCH2', undefined, 3)), [250, 249, 248]);
    assert.deepEqual(seqs(await store.readBefore('ES-ARCH2', 102, 4)), [101, 100, 99, 98]);
    assert.deepEqual(seqs(await store.readBefore('ES-ARCH2', 3, 10)), [2, 1]);
    assert.deepEqual(seqs(await store.readBefore('ES-ARCH3', undefined, 10)), [3, 2, 1]);
    assert.deepEqual(await store.readBefore('ES-NOTHING', undefined, 10), []);
    const back = await store.readBefore('ES-ARCH2', 51, 1);
    assert.deepEqual(back, [entry(50)], 'entries come back as they were written');
  });

  it('refuses an id that is not a case id, so nothing is written outside ARCHIVE_DIR', async () => {
    const store = createFileArchiveStore(tempArchiveDir());
    await assert.rejects(store.append('../escape', range(1, 1)), /not a case id/);
    await assert.rejects(store.readBefore('a/b', undefined, 1), /not a case id/);
  });

  it('archiveTimeline writes through the store and refuses a batch whose seqs do not increase', async () => {
    const { archiveTimeline } = archiveActivities({ archive: createFileArchiveStore(tempArchiveDir()) });
    assert.deepEqual(await archiveTimeline({ caseId: 'ES-ARCH4', entries: range(1, 3) }), { written: 3, skipped: 0 });
    assert.deepEqual(await archiveTimeline({ caseId: 'ES-ARCH4', entries: range(1, 3) }), { written: 0, skipped: 3 });
    await assert.rejects(archiveTimeline({ caseId: 'ES-ARCH4', entries: [entry(5), entry(4)] }), (err: Error) =>
      err.message.includes('increasing seqs'),
    );
  });
});
