// The workflow bundle's entry point: the Workflow Types the worker registers.
export { supportCaseWorkflow } from './case/workflow';
export { weeklyReportWorkflow } from './reports/workflow';
export { incidentWorkflow } from './incidents/workflow';
export { incidentDeskWorkflow } from './incidents/desk';
export { deploymentsWorkflow } from './deployments/workflow';
