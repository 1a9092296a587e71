import assert from 'node:assert/strict';
import { ConfigError, defaultMaxCachedCases, loadConfig, WORKER_DEFAULTS, WORKER_KEYS } from '../../../src/config';
import { workerTuningOptions } from '../../../src/worker';

const DEV = { devMode: true };
const tuning = (env: NodeJS.ProcessEnv) => loadConfig(env, DEV).worker;

/** Runs loadConfig expecting a ConfigError and returns its message. */
function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env, DEV);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected loadConfig to throw');
}

describe('config: worker knobs', () => {
  it('has the measured defaults when nothing is set (and for an empty value)', () => {
    const expected = {
      maxCachedCases: defaultMaxCachedCases(),
      maxConcurrentWorkflowTasks: WORKER_DEFAULTS.maxConcurrentWorkflowTasks,
      maxConcurrentActivities: WORKER_DEFAULTS.maxConcurrentActivities,
      workflowTaskPollers: WORKER_DEFAULTS.workflowTaskPollers,
      activityTaskPollers: WORKER_DEFAULTS.activityTaskPollers,
      reuseV8Context: true,
    };
    assert.deepEqual(tuning({}), expected);
    assert.deepEqual(tuning(Object.fromEntries(WORKER_KEYS.map((k) => [k, '']))), expected);
  });

  it('caches as many cases as the heap holds at 0.5 MB each, between 100 and 5,000', () => {
    assert.equal(defaultMaxCachedCases(4144), 5000);
    assert.equal(defaultMaxCachedCases(2048), 3584);
    assert.equal(defaultMaxCachedCases(512), 512);
    assert.equal(defaultMaxCachedCases(200), 100);
  });

  it('reads every knob', () => {
    assert.deepEqual(
      tuning({
        WORKER_MAX_CACHED_CASES: '20000',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '200',
        WORKER_WORKFLOW_TASK_POLLERS: 'auto',
        WORKER_ACTIVITY_TASK_POLLERS: '20',
        WORKER_REUSE_V8_CONTEXT: 'false',
      }),
      {
        maxCachedCases: 20000,
        maxConcurrentWorkflowTasks: 80,
        maxConcurrentActivities: 200,
        workflowTaskPollers: 'auto',
        activityTaskPollers: 20,
        reuseV8Context: false,
      },
    );
  });

  it('never defaults to more pollers than task slots', () => {
    const t = tuning({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4', WORKER_MAX_CONCURRENT_ACTIVITIES: '3' });
    assert.equal(t.workflowTaskPollers, 4);
    assert.equal(t.activityTaskPollers, 3);
  });

  it('turns the cache off with 0', () => {
    assert.equal(tuning({ WORKER_MAX_CACHED_CASES: '0' }).maxCachedCases, 0);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ WORKER_MAX_CACHED_CASES: 'lots' }, /^WORKER_MAX_CACHED_CASES: a whole number/],
    [{ WORKER_MAX_CACHED_CASES: '2.5' }, /^WORKER_MAX_CACHED_CASES: a whole number/],
    [{ WORKER_MAX_CACHED_CASES: '-1' }, /^WORKER_MAX_CACHED_CASES: at least 0/],
    [{ WORKER_MAX_CACHED_CASES: '1' }, /^WORKER_MAX_CACHED_CASES: 0 \(no cache\) or at least 2/],
    [{ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }, /^WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: at least 2/],
    [
      { WORKER_MAX_CACHED_CASES: '10', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' },
      /^WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: at most WORKER_MAX_CACHED_CASES \(10\)/,
    ],
    [{ WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }, /^WORKER_MAX_CONCURRENT_ACTIVITIES: at least 1/],
    [{ WORKER_WORKFLOW_TASK_POLLERS: 'many' }, /^WORKER_WORKFLOW_TASK_POLLERS: 'auto' or a whole number of at least 2/],
    [{ WORKER_WORKFLOW_TASK_POLLERS: '1' }, /^WORKER_WORKFLOW_TASK_POLLERS: 'auto' or a whole number of at least 2/],
    [
      { WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8', WORKER_WORKFLOW_TASK_POLLERS: '9' },
      /^WORKER_WORKFLOW_TASK_POLLERS: at most WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(8\)/,
    ],
    [
      { WORKER_MAX_CONCURRENT_ACTIVITIES: '5', WORKER_ACTIVITY_TASK_POLLERS: '6' },
      /^WORKER_ACTIVITY_TASK_POLLERS: at most WORKER_MAX_CONCURRENT_ACTIVITIES \(5\)/,
    ],
    [{ WORKER_REUSE_V8_CONTEXT: 'yes' }, /^WORKER_REUSE_V8_CONTEXT: 'true' or 'false'/],
  ];
  for (const [env, message] of bad) {
    it(`stops start-up on ${JSON.stringify(env)}, naming the key`, () => {
      assert.match(configError(env), message);
    });
  }

  it('becomes the SDK worker options: cache, slots, poller behaviours, V8 context', () => {
    assert.deepEqual(workerTuningOptions(tuning({ WORKER_WORKFLOW_TASK_POLLERS: 'auto' })), {
      reuseV8Context: true,
      maxCachedWorkflows: defaultMaxCachedCases(),
      maxConcurrentWorkflowTaskExecutions: WORKER_DEFAULTS.maxConcurrentWorkflowTasks,
      maxConcurrentActivityTaskExecutions: WORKER_DEFAULTS.maxConcurrentActivities,
      workflowTaskPollerBehavior: { type: 'autoscaling' },
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: WORKER_DEFAULTS.activityTaskPollers },
    });
    assert.deepEqual(workerTuningOptions(undefined), {});
  });
});
