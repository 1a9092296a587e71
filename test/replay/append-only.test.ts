// Recorded histories are append-only: a workflow change adds a history and never rewrites one
// (a rewritten history hides the running cases it would have failed to replay). The lock file
// names every history with its SHA-256; this test fails when a history differs from its lock
// entry, when a history has no entry, and when git shows that a committed entry ever changed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const HISTORIES = path.join(ROOT, 'test', 'replay', 'histories');
const LOCK = 'test/replay/histories.lock.json';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe('recorded histories are append-only', () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, LOCK), 'utf8')) as Record<string, string>;

  it('every history matches its entry in the lock file, and every entry has its history', () => {
    const files = readdirSync(HISTORIES)
      .filter((f) => f.endsWith('.json'))
      .sort();
    for (const f of files) {
      assert.ok(lock[f], `${f} is not in ${LOCK}: add its SHA-256 (new histories are welcome; changed ones are not)`);
      assert.equal(
        sha256(path.join(HISTORIES, f)),
        lock[f],
        `${f} changed: record a new history under a new name instead`,
      );
    }
    for (const f of Object.keys(lock))
      assert.ok(existsSync(path.join(HISTORIES, f)), `${f} is in ${LOCK} but was removed`);
  });

  it('no commit ever changed or removed an entry of the lock file', function () {
    let commits: string[];
    try {
      if (git('rev-parse', '--is-shallow-repository').trim() === 'true') return this.skip();
      // Every commit that touched the lock, and every merge (a merge can drop a branch's entry while
      // matching its other parent): each is checked against each of its parents.
      const touched = git('log', '--format=%H', '--full-history', '--', LOCK).split('\n').filter(Boolean);
      const merges = git('rev-list', '--merges', 'HEAD').split('\n').filter(Boolean);
      commits = [...new Set([...touched, ...merges])];
    } catch {
      console.log('      (skipped: no git history here to check the lock file against)');
      return this.skip();
    }
    const lockAt = (rev: string): Record<string, string> | null => {
      try {
        return JSON.parse(git('show', `${rev}:${LOCK}`)) as Record<string, string>;
      } catch {
        return null; // the lock did not exist yet
      }
    };
    for (const c of commits) {
      const at = lockAt(c) ?? {};
      const parents = git('rev-list', '--parents', '-n', '1', c).trim().split(' ').slice(1);
      for (const p of parents)
        for (const [f, hash] of Object.entries(lockAt(p) ?? {}))
          assert.equal(at[f], hash, `commit ${c.slice(0, 7)} changed or removed ${f} in ${LOCK}`);
    }
    for (const [f, hash] of Object.entries(lockAt('HEAD') ?? {}))
      assert.equal(lock[f], hash, `the working tree changes ${f} in ${LOCK}`);
  });
});
