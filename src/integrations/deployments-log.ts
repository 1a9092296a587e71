// Reading the deployments log (workflows/deployments): the deploys since an instant, for the API's
// case and incident views and for the escalation activities' Slack post and PagerDuty page.
import type { Client } from '@temporalio/client';
import { DEPLOYMENTS_WORKFLOW_ID, recentDeploymentsQuery, type Deployment } from '../../workflows/deployments/contract';

/** The seed's escalation step 2, "Check known issues and recent deployments": the window shown. */
export const RECENT_DEPLOYMENTS_HOURS = 6;
const HOUR = 3_600_000;

/** Deploys at or after `sinceMs`, newest first; none while nothing was ever deployed. */
export async function deploymentsSince(client: Client, sinceMs: number): Promise<Deployment[]> {
  try {
    return await client.workflow
      .getHandle(DEPLOYMENTS_WORKFLOW_ID)
      .query(recentDeploymentsQuery, { since: new Date(sinceMs).toISOString() });
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return [];
    throw err;
  }
}

/** An escalation as far as its deploys go. */
interface EscalationLike {
  id: string;
  state: string;
  createdAt: string;
}

/**
 * The deploys each open (unresolved) escalation shows: those from 6 hours before it was made up
 * to now, newest first, keyed by escalation id. One query of the log for all of them.
 */
export async function deploymentsForEscalations(
  client: Client,
  escalations: readonly EscalationLike[],
): Promise<Map<string, Deployment[]>> {
  const open = escalations.filter((e) => e.state !== 'resolved');
  const out = new Map<string, Deployment[]>();
  if (open.length === 0) return out;
  const from = (e: EscalationLike) => Date.parse(e.createdAt) - RECENT_DEPLOYMENTS_HOURS * HOUR;
  const all = await deploymentsSince(client, Math.min(...open.map(from)));
  for (const e of open)
    out.set(
      e.id,
      all.filter((d) => Date.parse(d.at) >= from(e)),
    );
  return out;
}
