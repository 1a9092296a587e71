import {
  bundleWorkflowCode,
  Worker,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerTuning } from './config';
import { FAILURE_CONVERTER_PATH } from './temporal';

/** Bundles the workflow code once; pass the result to every worker of the process. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundlerLogger,
  });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** The SDK's worker options for the WORKER_* knobs (config.worker); the SDK's own defaults without them. */
export function workerTuningOptions(t: WorkerTuning | undefined): Partial<WorkerOptions> {
  if (!t) return {};
  const pollers = (n: number | 'auto') =>
    n === 'auto' ? { type: 'autoscaling' as const } : { type: 'simple-maximum' as const, maximum: n };
  return {
    reuseV8Context: t.reuseV8Context,
    maxCachedWorkflows: t.maxCachedCases,
    maxConcurrentWorkflowTaskExecutions: t.maxConcurrentWorkflowTasks,
    maxConcurrentActivityTaskExecutions: t.maxConcurrentActivities,
    // SDK 1.24 reads the poller behaviours; maxConcurrentWorkflowTaskPolls is no longer read.
    workflowTaskPollerBehavior: pollers(t.workflowTaskPollers),
    activityTaskPollerBehavior: pollers(t.activityTaskPollers),
  };
}

/** A worker for the case task queue, tuned by `tuning` (config.worker). */
export function createCaseWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  dataConverter?: DataConverter;
  tuning?: WorkerTuning;
}): Promise<Worker> {
  return Worker.create({
    ...workerTuningOptions(opts.tuning),
    // Failures encoded by activities and workflows alike, whatever the caller passed.
    dataConverter: { ...opts.dataConverter, failureConverterPath: FAILURE_CONVERTER_PATH },
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
  });
}
