// Real Temporal servers for tests, from the pinned binaries in .venv/ (never downloaded).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../src/worker';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function binary(envVar: string, name: string): string {
  const p = process.env[envVar] ?? path.join(ROOT, '.venv', 'bin', name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run 'bash temporal-dev.sh --install' (npm test does it in pretest)`);
  return p;
}

/** The time-skipping test server, for clocks. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binary('TEMPORAL_TEST_SERVER', 'temporal-test-server') } },
  });
}

/** The dev server (in memory), for updates, visibility and schedules. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binary('TEMPORAL_CLI', 'temporal') },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once for the whole test run. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

let queues = 0;
/** A task queue of its own for each test. */
export const uniqueTaskQueue = (prefix = 'test') => `${prefix}-${process.pid}-${++queues}`;
