// Replays the recorded histories in test/replay/histories (written by scripts/record-histories.ts)
// against the current workflow code. A failure here means the change would break cases that are
// running in production: version it with patched() instead of re-recording.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { quietRuntime, workflowBundle } from '../helpers/temporal';
import { historyFromJSONObject } from './history-json';

const ROOT = path.resolve(__dirname, '../../..');
const HISTORIES = path.join(ROOT, 'test', 'replay', 'histories');

const recorded = (existsSync(HISTORIES) ? readdirSync(HISTORIES) : [])
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => path.basename(f, '.json'));
const load = (name: string) =>
  historyFromJSONObject(JSON.parse(readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8')));

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

describe('supportCaseWorkflow replays recorded histories', function () {
  this.timeout(120_000);
  let bundle: WorkflowBundleWithSourceMap;

  before(async () => {
    quietRuntime();
    bundle = await workflowBundle();
  });

  it('has recorded histories of at least 5 paths', () => {
    assert.ok(
      recorded.length >= 5,
      `expected at least 5 histories in ${HISTORIES}, found ${recorded.length}: ${recorded.join(', ')}`,
    );
  });

  for (const name of recorded) {
    it(`replays ${name} without nondeterminism`, async () => {
      const history = load(name);
      assert.ok(
        history.events?.at(-1)?.workflowExecutionCompletedEventAttributes,
        `${name} is not the history of a completed workflow`,
      );
      await Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: `replay-${name}` },
        history,
        `replay-${name}`,
      );
    });
  }

  it('reports a DeterminismViolationError when the workflow code no longer matches a history', async () => {
    assert.ok(recorded.length > 0, 'no recorded history to replay');
    const changed = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/changed-workflow'),
      logger: quietBundlerLogger,
    });
    const err = await Worker.runReplayHistory(
      { workflowBundle: changed, replayName: 'replay-changed' },
      load(recorded[0]),
      'replay-changed',
    ).then(
      () => assert.fail('replaying against changed workflow code must fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DeterminismViolationError, `expected DeterminismViolationError, got ${String(err)}`);
    assert.equal(err.name, 'DeterminismViolationError');
    assert.match(err.message, /nondeterminism/i);
  });
});
