// The public face of the workflows: every capability's contract (messages, inputs, view slices,
// search attributes, failure types) and the case's composed shape. The API, the worker,
// activities, scripts and tests import this file, never a workflow's implementation.
import { CASE_SEARCH_ATTRIBUTES, CaseFailure } from './case/contract';
import { CaseBreachedAttr, CaseNextDeadlineAttr } from './clocks/contract';
import { COMPENSATION_SEARCH_ATTRIBUTES, CompensationFailure } from './compensation/contract';
import { CaseEscalationLevelAttr, CaseSeverityAttr } from './escalation/contract';
import { METRICS_SEARCH_ATTRIBUTES } from './metrics/contract';
import { INCIDENT_SEARCH_ATTRIBUTES, IncidentFailure } from './incidents/contract';

export * from './case-view';
export * from './case/state';
export * from './case/contract';
/** The view of a case the moment it opens (pure), which POST /cases answers with. */
export { KNOWN_ISSUES_STEP, openingView } from './case/opening';
export * from './clocks/state';
export * from './clocks/contract';
export * from './escalation/state';
export * from './escalation/contract';
export * from './compensation/state';
export * from './compensation/contract';
export * from './conversation/state';
export * from './conversation/contract';
export * from './incidents/state';
export * from './incidents/contract';
export * from './deployments/contract';
export * from './metrics/contract';
export * from './reports/contract';

/** Every search attribute the project registers, with its type, for temporal-dev.sh and tests. */
export const SEARCH_ATTRIBUTES = [
  ...CASE_SEARCH_ATTRIBUTES,
  ...COMPENSATION_SEARCH_ATTRIBUTES,
  CaseSeverityAttr,
  CaseNextDeadlineAttr,
  CaseBreachedAttr,
  CaseEscalationLevelAttr,
  ...METRICS_SEARCH_ATTRIBUTES,
  ...INCIDENT_SEARCH_ATTRIBUTES,
];

/** Failure types the API maps to HTTP statuses. */
export const FailureType = { ...CaseFailure, ...CompensationFailure, ...IncidentFailure } as const;
