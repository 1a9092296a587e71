import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import type { CaseFacts } from '../src/metrics/summary';
import { closedCaseFacts } from '../src/metrics/visibility';

/** Reporting activities: they read Temporal visibility, so they need the worker process's client. */
export function reportActivities(deps: { temporal?: Client }) {
  return {
    /** Facts of the cases closed in [from, to), from their search attributes. */
    async collectClosedCaseFacts(input: { from: string; to: string }): Promise<CaseFacts[]> {
      if (!deps.temporal)
        throw ApplicationFailure.nonRetryable('this worker has no Temporal client for reports', 'ReportsNotConfigured');
      return closedCaseFacts(deps.temporal, new Date(input.from), new Date(input.to));
    },
  };
}
