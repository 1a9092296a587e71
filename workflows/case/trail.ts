// Bounded case state (behind patched('bounded-case-state')): the audit trail and the notes stay a
// few hundred entries long whatever the case's length, so the view, every Update result and what
// continue-as-new carries stay small. The trail's older part goes to the archive through the
// archiveTimeline activity before it leaves the state; notes leave the view at once, since their
// `note_added` entries carry their text. Seqs keep counting across runs (context.ts record()).
import { condition, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import type { Activities } from '../../activities';
import { SYSTEM, type CaseContext } from './context';
import { TRAIL_LIMITS, type Actor, type TimelineEntry, type TrailLimits } from './state';

/** The patch id of bounded case state: cases opened before it keep their whole trail in state. */
export const BOUNDED_STATE_PATCH = 'bounded-case-state';

/** At most this much of the trail per archiveTimeline call (well under Temporal's 2 MB payload limit). */
export const ARCHIVE_BATCH_MAX = { entries: 500, bytes: 512 * 1024 };

// The archive is storage the case cannot do without (entries leave the state only once archived):
// retried until it answers, without an end.
const ARCHIVE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const { archiveTimeline } = proxyActivities<Activities>(ARCHIVE_OPTIONS);

/** UTF-8 length of a string, without TextEncoder (deterministic and cheap). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}
/** The size of a value as JSON, in bytes. */
export const jsonBytes = (v: unknown): number => utf8Length(JSON.stringify(v));
/** Entries never change once recorded, so each one's size is worked out once (conditions ask on every activation). */
const entrySizes = new WeakMap<object, number>();
const sizeOf = (e: object): number => {
  let n = entrySizes.get(e);
  if (n === undefined) entrySizes.set(e, (n = jsonBytes(e) + 1));
  return n;
};
/** The size of a list of entries as JSON, in bytes. */
const listBytes = (list: object[]): number => list.reduce((sum, e) => sum + sizeOf(e), 1);

/** What the case's notes handler calls. */
export interface BoundedTrail {
  /** Records a note: its `note_added` entry (carrying the text) and the view's copy, trimmed. */
  /** Adds a note to the trail and the view; answers the seq of its trail entry. */
  addNote(actor: Actor, text: string, at: string): number;
}

/** Installs bounded state on a case: it migrates a carried legacy state, and archives as the trail grows. */
export function installBoundedTrail(ctx: CaseContext): BoundedTrail {
  const { view, input } = ctx;
  const given: TrailLimits = { ...TRAIL_LIMITS, ...input.settings.trailLimits };
  const limits: TrailLimits = {
    ...given,
    timelineMax: Math.max(given.timelineMax, given.timelineKeep),
    timelineMaxBytes: Math.max(given.timelineMaxBytes, given.timelineKeepBytes),
  };

  // A state carried from a run before bounded state: its notes pair with its note_added entries in
  // order (that run kept both whole), so each entry gets its note's text before any can leave.
  const legacyNotes = view.notes.filter((n) => n.seq === undefined);
  const bare = view.timeline.filter((e) => e.action === 'note_added' && e.note === undefined);
  if (legacyNotes.length > 0 && legacyNotes.length === bare.length && view.archivedThrough === undefined) {
    legacyNotes.forEach((n, i) => {
      n.seq = bare[i].seq;
      bare[i].note = n.text;
    });
  }

  const trimNotes = () => {
    // Only notes whose text is in the trail leave (a legacy note that could not be paired stays).
    const leave = (i: number) => view.notes[i].seq !== undefined;
    let size = listBytes(view.notes);
    for (let i = 0; i < view.notes.length - 1;) {
      if (view.notes.length <= limits.notesKeep && size <= limits.notesKeepBytes) break;
      if (!leave(i)) {
        i++;
        continue;
      }
      size -= sizeOf(view.notes[i]);
      view.notes.splice(i, 1);
    }
  };
  trimNotes();

  const timelineDue = () =>
    view.timeline.length > limits.timelineMax || listBytes(view.timeline) > limits.timelineMaxBytes;
  /** How many of the oldest entries go: down to timelineKeep entries and timelineKeepBytes, one batch at most. */
  const batchLength = (): number => {
    const t = view.timeline;
    let keep = 0;
    let size = 1;
    for (let i = t.length - 1; i >= 0 && keep < limits.timelineKeep; i--) {
      size += sizeOf(t[i]);
      if (size > limits.timelineKeepBytes) break;
      keep++;
    }
    let n = 0;
    let batch = 1;
    while (n < t.length - keep && n < ARCHIVE_BATCH_MAX.entries) {
      batch += sizeOf(t[n]);
      if (n > 0 && batch > ARCHIVE_BATCH_MAX.bytes) break;
      n++;
    }
    return n;
  };

  // The archiver: entries leave the trail only after the archive holds them, so a reader that asks
  // the case first and the archive second never misses one. A run that continues as new while a
  // batch is in flight leaves it to the next run, which sends it again (the store skips what it holds).
  void (async () => {
    for (;;) {
      await condition(timelineDue);
      const n = Math.max(1, batchLength()); // at least 1 whenever due, with the limits made consistent above
      const entries = view.timeline.slice(0, n);
      try {
        await archiveTimeline.executeWithOptions(
          { ...ARCHIVE_OPTIONS, summary: `Archive trail #${entries[0].seq}-${entries[n - 1].seq}` },
          [{ caseId: input.caseId, entries }],
        );
      } catch (err) {
        // Only a batch the store refuses for good gets here (the activity retries everything else):
        // the trail then stays whole in state, which is bigger, never lossy.
        ctx.record(SYSTEM, 'trail_archive_failed', (err instanceof Error ? err.message : String(err)).slice(0, 300));
        return;
      }
      // Only appends happen meanwhile, so the first n entries are still the archived ones.
      view.timeline.splice(0, n);
      view.archivedThrough = entries[n - 1].seq;
      const counts = (view.archivedActions ??= {});
      for (const e of entries) counts[e.action] = (counts[e.action] ?? 0) + 1;
    }
  })();

  return {
    addNote(actor, text, at) {
      const seq = ctx.record(actor, 'note_added', undefined, { note: text });
      view.notes.push({ seq, at, by: actor.name, text });
      trimNotes();
      return seq;
    },
  };
}
