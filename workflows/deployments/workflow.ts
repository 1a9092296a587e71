// The deployments log: one long-running workflow, fed by an Update per deploy (idempotent by the
// caller's key, which is the Update id), queried for the deploys of the last hours. It keeps the
// newest 1,000 deploys and continues as new when Temporal suggests it.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { recentDeploymentsQuery, recordDeploymentUpdate, type DeploymentsState } from './contract';

const KEEP = 1_000;

/** Workflow type of the deployments log. */
export async function deploymentsWorkflow(state?: DeploymentsState): Promise<void> {
  const log: DeploymentsState = state ?? { deployments: [], next: 1 };
  setHandler(recordDeploymentUpdate, (i) => {
    const d = {
      n: log.next++,
      service: i.service,
      version: i.version,
      at: i.at,
      by: i.by,
      ...(i.link ? { link: i.link } : {}),
    };
    log.deployments.push(d);
    if (log.deployments.length > KEEP) log.deployments.splice(0, log.deployments.length - KEEP);
    return d;
  });
  setHandler(recentDeploymentsQuery, ({ since }) => {
    const from = Date.parse(since);
    return log.deployments.filter((d) => Date.parse(d.at) >= from).reverse();
  });
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof deploymentsWorkflow>(log);
}
