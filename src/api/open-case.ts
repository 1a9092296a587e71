// Opening a case, the same way for every way in (POST /cases, inbound e-mail, a Stripe dispute):
// the policy the case pins and the deployment's settings, its known issue if one is open, the
// workflow started once (REJECT_DUPLICATE: a redelivery or a retried key finds it started), and the
// incident desk told of it.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { caseSettingsOf, type Config } from '../config';
import { casePolicyOf } from '../policy/incidents';
import type { SupportPolicy } from '../policy/types';
import {
  CASE_WORKFLOW_TYPE,
  caseWorkflowId,
  type CaseInput,
  type SupportCaseWorkflow,
} from '../../workflows/contracts';
import type { KnownIssues } from './known-issues';

/** What a way in knows of a new case; the opener adds the pinned policy and the settings. */
export type NewCase = Omit<CaseInput, 'policy' | 'settings'>;

/** The case opener of a process. */
export function caseOpener(deps: { client: Client; config: Config; policy: SupportPolicy; knownIssues: KnownIssues }) {
  const { client, config, policy, knownIssues } = deps;
  /**
   * Starts the case's workflow; `opened: false` when it was started before. The Web UI's summary
   * and details are not encrypted: no customer data in them.
   */
  return async function openCase(
    fields: NewCase,
    ui: { summary: string; details: string },
  ): Promise<{ opened: boolean; input: CaseInput }> {
    const { input, report } = await knownIssues.match(
      { ...fields, policy: casePolicyOf(policy), settings: caseSettingsOf(config) } as CaseInput,
      policy,
    );
    try {
      await client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
        workflowId: caseWorkflowId(input.caseId),
        taskQueue: config.temporal.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: ui.summary,
        staticDetails: ui.details,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { opened: false, input };
      throw err;
    }
    // A desk that cannot be told only means the case is not counted towards a burst.
    if (report) await knownIssues.report(report, input.knownIssue?.incidentId).catch(() => undefined);
    return { opened: true, input };
  };
}

/** A process's case opener. */
export type OpenCase = ReturnType<typeof caseOpener>;
