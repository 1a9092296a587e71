// Recent deployments: CI/CD records each deploy (role deployer), and an incident and a case's
// open escalations show those of the last 6 hours (src/integrations/deployments-log.ts reads them). The log is one workflow, started by the first deploy it records.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { z } from 'zod/v4';
import {
  DEPLOYMENTS_WORKFLOW_ID,
  DEPLOYMENTS_WORKFLOW_TYPE,
  recordDeploymentUpdate,
  type Deployment,
} from '../../../workflows/contracts';
import type { CaseView } from '../../../workflows/contracts';
import { deploymentsForEscalations, deploymentsSince } from '../../integrations/deployments-log';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, type RouteDef, type RouteEnv } from '../route-table';
import * as s from '../schemas';

/** Deploys of the last `hours`, newest first; none while nothing was ever deployed. */
export async function recentDeployments(client: Client, hours: number): Promise<Deployment[]> {
  return deploymentsSince(client, Date.now() - hours * 3_600_000);
}

/**
 * The case view with `recentDeployments` on each open (unresolved) escalation: the deploys from 6
 * hours before it was made up to now. A log that cannot answer leaves the view as it is.
 */
export async function withRecentDeployments(client: Client, view: CaseView): Promise<CaseView> {
  const escalations = view.escalations;
  if (!escalations?.some((e) => e.state !== 'resolved')) return view;
  const byId = await deploymentsForEscalations(client, escalations).catch(() => null);
  if (!byId) return view;
  return {
    ...view,
    escalations: escalations.map((e) => (byId.has(e.id) ? { ...e, recentDeployments: byId.get(e.id) } : e)),
  };
}

export function deploymentRoutes(env: RouteEnv): RouteDef[] {
  const { client, config } = env;
  return [
    {
      method: 'post',
      path: '/deployments',
      summary: 'Record a deploy (CI/CD; Idempotency-Key makes a retry record nothing twice)',
      permission: 'deployment.record',
      body: s.deploymentBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const b = ctx.body as z.infer<typeof s.deploymentBody>;
        const key = idempotencyKeyOf(ctx);
        const startWorkflowOperation = new WithStartWorkflowOperation(DEPLOYMENTS_WORKFLOW_TYPE, {
          workflowId: DEPLOYMENTS_WORKFLOW_ID,
          taskQueue: config.temporal.taskQueue,
          args: [],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: 'Deployments log (POST /deployments)',
        });
        const deployment = await client.workflow.executeUpdateWithStart(recordDeploymentUpdate, {
          args: [
            {
              service: b.service,
              version: b.version,
              at: new Date(b.at ?? Date.now()).toISOString(),
              ...(b.link ? { link: b.link } : {}),
              by: ctx.caller!.name,
            },
          ],
          updateId: key ? `${ctx.caller!.id}:${key}` : randomUUID(),
          startWorkflowOperation,
        });
        return { status: 201, body: deployment };
      },
    },
    {
      method: 'get',
      path: '/deployments',
      summary: 'Deploys of the last hours (default 6), newest first',
      permission: 'incident.read',
      query: s.deploymentsQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.deploymentsQuery>;
        return { body: { hours: q.hours, deployments: await recentDeployments(client, q.hours) } };
      },
    },
  ];
}
