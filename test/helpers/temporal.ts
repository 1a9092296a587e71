// Real Temporal servers for tests; shared with bench/ and scripts/, so they live in dev/.
export {
  createDevServerEnv,
  createTimeSkippingEnv,
  quietRuntime,
  uniqueTaskQueue,
  workflowBundle,
} from '../../dev/temporal-servers';
