// A case's whole audit trail over HTTP, a page at a time: the case's query answers its newest
// entries, the archive (ARCHIVE_DIR, written by the archiveTimeline activity) the ones that left
// the case's bounded state, old runs included. Notes are in the trail as `note_added` entries
// carrying their text.
import type { z } from 'zod/v4';
import { createFileArchiveStore, type ArchiveReader } from '../../integrations/archive-store';
import type { CaseView, TimelineEntry } from '../../../workflows/contracts';
import { HttpError } from '../errors';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

/**
 * The page of the trail older than `before`, newest first. The case is asked first and the archive
 * second: an entry leaves the case only once the archive holds it, so none falls between the two.
 */
async function trailPage(
  view: CaseView,
  q: z.infer<typeof s.timelineQuery>,
  archive: ArchiveReader | undefined,
): Promise<{ entries: TimelineEntry[]; next: number | null }> {
  const through = view.archivedThrough ?? 0;
  const before = q.before ?? Number.MAX_SAFE_INTEGER;
  const entries = withLegacyNoteText(view)
    .filter((e) => e.seq < before && e.seq > through)
    .reverse()
    .slice(0, q.limit);
  const olderFrom = Math.min(before, through + 1);
  if (entries.length < q.limit && olderFrom > 1) {
    if (!archive)
      throw new HttpError(503, 'archive_unavailable', 'this case has archived entries, and ARCHIVE_DIR is not set');
    entries.push(...(await archive.readBefore(view.caseId, olderFrom, q.limit - entries.length)));
  }
  const oldest = entries.at(-1)?.seq;
  return { entries, next: entries.length === q.limit && oldest !== undefined && oldest > 1 ? oldest : null };
}

/**
 * The view's trail, its `note_added` entries with their text: a case opened before notes were in
 * the trail keeps them only in `notes`, whole and in the same order as their entries.
 */
function withLegacyNoteText(view: CaseView): TimelineEntry[] {
  const bare = view.timeline.filter((e) => e.action === 'note_added' && e.note === undefined);
  const legacy = view.notes.filter((n) => n.seq === undefined);
  if (bare.length === 0 || bare.length !== legacy.length) return view.timeline;
  const text = new Map(bare.map((e, i) => [e.seq, legacy[i].text]));
  return view.timeline.map((e) => (text.has(e.seq) ? { ...e, note: text.get(e.seq) } : e));
}

/** The audit trail routes. */
export function timelineRoutes(env: RouteEnv): RouteDef[] {
  const archive = env.config.archiveDir ? createFileArchiveStore(env.config.archiveDir) : undefined;
  return [
    {
      method: 'get',
      path: '/cases/:caseId/timeline',
      summary: "The case's whole audit trail, notes included, newest first (before=<seq> pages back)",
      permission: 'case.read',
      query: s.timelineQuery,
      async handle(ctx) {
        const view = await env.viewOf(ctx.params.caseId);
        const page = await trailPage(view, ctx.query as z.infer<typeof s.timelineQuery>, archive);
        return { body: { caseId: view.caseId, ...page } };
      },
    },
  ];
}
