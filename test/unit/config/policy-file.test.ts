import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deploymentPolicy, loadPolicyFile, PolicyError, resolvePolicy } from '../../../src/config/policy-file';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';

describe('POLICY_FILE', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const refused = (override: unknown): string => {
    try {
      resolvePolicy(override, 'POLICY_FILE x.json');
    } catch (err) {
      assert.ok(err instanceof PolicyError);
      return err.message;
    }
    return assert.fail('expected the policy to be refused');
  };

  it("accepts the seed's policy unchanged, keeping its version", () => {
    assert.equal(resolvePolicy({}), DEFAULT_POLICY);
  });

  it('merges a partial override over the seed and pins a content-hashed version', () => {
    const p = loadPolicyFile(
      file(
        'lenient.json',
        JSON.stringify({ csat: { surveyDelayMinutes: 60 }, reopen: { windowMinutes: 7 * 24 * 60 } }),
      ),
    );
    assert.equal(p.csat.surveyDelayMinutes, 60);
    assert.equal(p.csat.responseWindowMinutes, DEFAULT_POLICY.csat.responseWindowMinutes);
    assert.equal(p.reopen.windowMinutes, 7 * 24 * 60);
    assert.match(p.version, /^2026-01-29\+[0-9a-f]{8}$/);
    const again = loadPolicyFile(
      file('same.json', JSON.stringify({ reopen: { windowMinutes: 7 * 24 * 60 }, csat: { surveyDelayMinutes: 60 } })),
    );
    assert.equal(again.version, p.version, 'the same rules give the same version');
    assert.equal(
      deploymentPolicy({ policyFile: file('d.json', '{"csat":{"surveyDelayMinutes":60}}'), policyOverrides: {} }).csat
        .surveyDelayMinutes,
      60,
    );
  });

  it('refuses a bad policy with a clear error naming the field', () => {
    assert.match(refused({ csat: { surveyDelayMinutes: -5 } }), /^POLICY_FILE x\.json: csat\.surveyDelayMinutes: /);
    assert.match(
      refused({
        severities: DEFAULT_POLICY.severities.map((s, i) => (i === 1 ? { ...s, calendarId: 'weekends' } : s)),
      }),
      /severities\.1\.calendarId: no calendar 'weekends'/,
    );
    assert.match(
      refused({
        approvalTiers: [
          { role: 'agent', label: 'x', maxCents: 1000 },
          { role: 'support_lead', label: 'y', maxCents: 500 },
        ],
      }),
      /approvalTiers\.1\.maxCents: must be above the tier before/,
    );
    assert.match(refused({ timeZone: 'Mars/Olympus' }), /timeZone: unknown time zone/);
    assert.match(refused({ permissions: { 'case.read': ['janitor'] } }), /permissions\.case\.read\.0/);
    assert.match(refused([]), /expected a JSON object/);
  });

  it('names the file when it cannot be read or is not JSON', () => {
    assert.throws(
      () => loadPolicyFile(path.join(dir, 'missing.json')),
      /POLICY_FILE: cannot read .*missing\.json: ENOENT/,
    );
    assert.throws(() => loadPolicyFile(file('bad.json', '{ nope')), /POLICY_FILE .*bad\.json: not valid JSON/);
  });
});
