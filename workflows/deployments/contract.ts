// The deployments log: what CI/CD deployed and when, so an escalation and an incident can show the
// deploys of the last hours (the seed's escalation step 2: "Check known issues and recent deployments").
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** Workflow type and id of the one deployments log. */
export const DEPLOYMENTS_WORKFLOW_TYPE = 'deploymentsWorkflow';
export const DEPLOYMENTS_WORKFLOW_ID = 'deployments-log';

/** One deploy. */
export interface Deployment {
  n: number;
  service: string;
  version: string;
  at: string;
  link?: string;
  by: string;
}

/** What a deploy record asks: the log answers with the record (a retry with the same key: the first). */
export interface RecordDeploymentInput {
  service: string;
  version: string;
  at: string;
  link?: string;
  by: string;
}

/** The log across continue-as-new. */
export interface DeploymentsState {
  deployments: Deployment[];
  next: number;
}

/** Record a deploy. */
export const recordDeploymentUpdate = defineUpdate<Deployment, [RecordDeploymentInput]>('recordDeployment');
/** Deploys at or after `since` (ISO), newest first. */
export const recentDeploymentsQuery = defineQuery<Deployment[], [{ since: string }]>('recentDeployments');
