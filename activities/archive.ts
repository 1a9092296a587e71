import { ApplicationFailure } from '@temporalio/activity';
import type { TimelineEntry } from '../workflows/case/state';

/**
 * The narrow slice of an archive store the case activities need; src/integrations/archive-store.ts
 * implements it. `append` is idempotent by case id and seq: entries it already holds are skipped,
 * so a retried (or repeated) write never duplicates one.
 */
export interface ArchiveWriter {
  append(caseId: string, entries: TimelineEntry[]): Promise<{ written: number; skipped: number }>;
}

/** What archiveTimeline writes: the oldest entries of a case's trail, in seq order. */
export interface ArchiveTimelineInput {
  caseId: string;
  entries: TimelineEntry[];
}

/** Archiving the case's audit trail, the part that leaves the bounded case state. */
export function archiveActivities(deps: { archive: ArchiveWriter }) {
  return {
    /**
     * Writes the oldest part of a case's trail to the archive, exactly once whatever the retries:
     * the store keys entries by case id and seq. Returns counts only (no entry content is logged).
     */
    async archiveTimeline(input: ArchiveTimelineInput): Promise<{ written: number; skipped: number }> {
      const seqs = input.entries.map((e) => e.seq);
      if (seqs.some((s, i) => !Number.isInteger(s) || s < 1 || (i > 0 && s <= seqs[i - 1])))
        throw ApplicationFailure.nonRetryable('archive entries must have increasing seqs', 'InvalidArchiveBatch');
      if (input.entries.length === 0) return { written: 0, skipped: 0 };
      return deps.archive.append(input.caseId, input.entries);
    },
  };
}
