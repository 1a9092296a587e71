// Incidents' activities: telling an incident's linked cases (one signal per case, a bounded number
// at a time, through the worker's Temporal client: each case keys the notice, so a retried fan-out
// tells nobody twice), the incident desk's registry of open incidents, and the incident's Slack thread.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  caseWorkflowId,
  INCIDENT_DESK_WORKFLOW_ID,
  INCIDENT_DESK_WORKFLOW_TYPE,
  incidentChangedSignal,
  incidentNoticeSignal,
  type DeskIncident,
  type IncidentNoticeInput,
} from '../workflows/contracts';
import { INCIDENT_ACK_ACTION, type PostedSlackMessage, type SlackActivitiesOptions, type SlackGateway } from './slack';

/** How many cases are signalled at once. */
export const INCIDENT_FANOUT_CONCURRENCY = 16;

// Slack text from staff reaches the channel: no <!channel> pings or forged links.
const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function incidentActivities(deps: {
  temporal?: Client;
  slack: SlackGateway;
  slackOptions: SlackActivitiesOptions;
}) {
  const client = (): Client => {
    if (!deps.temporal)
      throw ApplicationFailure.nonRetryable(
        'this worker has no Temporal client for incidents',
        'IncidentsNotConfigured',
      );
    return deps.temporal;
  };
  return {
    /** Signals every case its incident's notice; answers how many running cases were told. */
    async notifyIncidentCases(input: { notice: IncidentNoticeInput; caseIds: string[] }): Promise<{ told: number }> {
      const temporal = client();
      // A retry goes on from the last case the previous attempt reported (cases key the notice anyway).
      const from = Number(Context.current().info.heartbeatDetails ?? 0) || 0;
      let next = Math.min(from, input.caseIds.length);
      let told = 0;
      let done = next;
      const worker = async () => {
        while (next < input.caseIds.length) {
          const caseId = input.caseIds[next++];
          try {
            await temporal.workflow.getHandle(caseWorkflowId(caseId)).signal(incidentNoticeSignal, input.notice);
            told++;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // a finished case has nobody to tell
          }
          done++;
          // Progress below which every case was signalled (workers finish out of order).
          heartbeat(Math.max(from, done - INCIDENT_FANOUT_CONCURRENCY));
        }
      };
      await Promise.all(Array.from({ length: Math.min(INCIDENT_FANOUT_CONCURRENCY, input.caseIds.length) }, worker));
      return { told: told + from };
    },

    /** An incident tells the desk it opened, changed or ended. */
    async tellIncidentDesk(incident: DeskIncident): Promise<void> {
      await client().workflow.signalWithStart(INCIDENT_DESK_WORKFLOW_TYPE, {
        workflowId: INCIDENT_DESK_WORKFLOW_ID,
        taskQueue: Context.current().info.taskQueue,
        args: [{}],
        signal: incidentChangedSignal,
        signalArgs: [incident],
        staticSummary: 'Incident desk: known issues and bursts of similar cases',
      });
    },

    /** Posts the incident's thread to #support-escalations (or the incident's channel). */
    async postIncidentThread(input: {
      incidentId: string;
      text: string;
      channel?: string;
    }): Promise<PostedSlackMessage> {
      const link = `${deps.slackOptions.caseLinkBase.replace(/\/cases$/, '')}/incidents/${input.incidentId}`;
      const text = `${escapeMrkdwn(input.text)} <${link}|${input.incidentId}>`;
      return deps.slack.postMessage(input.channel ?? deps.slackOptions.escalationsChannel, text, [
        { type: 'section', text: { type: 'mrkdwn', text } },
        {
          // Clicked, Slack POSTs a signed block_actions payload to /slack/interactions, which
          // acknowledges the incident as POST /incidents/:id/ack does (src/api/routes/slack.ts).
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: INCIDENT_ACK_ACTION,
              style: 'danger',
              value: JSON.stringify({ incidentId: input.incidentId }),
              text: { type: 'plain_text', text: 'Acknowledge' },
            },
          ],
        },
      ]);
    },

    /** A reply in the incident's thread. */
    async replyInIncidentThread(input: { channel: string; ts: string; text: string }): Promise<PostedSlackMessage> {
      return deps.slack.postMessage(input.channel, escapeMrkdwn(input.text), undefined, input.ts);
    },
  };
}
