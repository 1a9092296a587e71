// Telling an incident's linked cases: one signal per case, a bounded number at a time, through the
// worker's Temporal client. Each case keys the notice, so a retried fan-out tells nobody twice.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { caseWorkflowId, incidentNoticeSignal, type IncidentNoticeInput } from '../workflows/contracts';

/** How many cases are signalled at once. */
export const INCIDENT_FANOUT_CONCURRENCY = 16;

export function incidentActivities(deps: { temporal?: Client }) {
  return {
    /** Signals every case its incident's notice; answers how many running cases were told. */
    async notifyIncidentCases(input: { notice: IncidentNoticeInput; caseIds: string[] }): Promise<{ told: number }> {
      const client = deps.temporal;
      if (!client)
        throw ApplicationFailure.nonRetryable(
          'this worker has no Temporal client for incidents',
          'IncidentsNotConfigured',
        );
      let next = 0;
      let told = 0;
      const worker = async () => {
        while (next < input.caseIds.length) {
          const caseId = input.caseIds[next++];
          try {
            await client.workflow.getHandle(caseWorkflowId(caseId)).signal(incidentNoticeSignal, input.notice);
            told++;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // a finished case has nobody to tell
          }
          heartbeat(next);
        }
      };
      await Promise.all(Array.from({ length: Math.min(INCIDENT_FANOUT_CONCURRENCY, input.caseIds.length) }, worker));
      return { told };
    },
  };
}
