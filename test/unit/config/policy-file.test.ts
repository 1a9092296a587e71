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

  it("checks the escalation contacts: a rung's ackChannelId, a notice's contact and triggers", () => {
    const withRung = (rung: Record<string, unknown>) =>
      DEFAULT_POLICY.severities.map((s, i) => (i === 1 ? { ...s, ladder: [...s.ladder, rung] } : s));
    assert.match(
      refused({ severities: withRung({ via: 'slack', target: '#x', ackChannelId: 'carrier-pigeon' }) }),
      /severities\.1\.ladder\.3\.ackChannelId: no internal channel 'carrier-pigeon'/,
    );
    assert.match(
      refused({ escalationNotices: [{ contactId: 'press', triggers: ['oauth'] }] }),
      /escalationNotices\.0\.contactId: no contact 'press'/,
    );
    assert.match(
      refused({ escalationNotices: [{ contactId: 'eng-oncall', triggers: ['oauth'] }] }),
      /escalationNotices\.0\.contactId: contact 'eng-oncall' has no e-mail address/,
    );
    assert.match(
      refused({ escalationNotices: [{ contactId: 'legal', triggers: ['alien-invasion'] }] }),
      /escalationNotices\.0\.triggers\.0: no escalation trigger 'alien-invasion'/,
    );
    const ok = resolvePolicy({
      severities: withRung({ via: 'email', target: 'Ops', contactId: 'operations', ackChannelId: 'slack' }),
      escalationNotices: [{ contactId: 'operations', triggers: ['legal-compliance'], signals: ['Refund storm'] }],
    });
    assert.equal(ok.escalationNotices?.[0].signals?.[0], 'Refund storm');
  });

  it('names the file when it cannot be read or is not JSON', () => {
    assert.throws(
      () => loadPolicyFile(path.join(dir, 'missing.json')),
      /POLICY_FILE: cannot read .*missing\.json: ENOENT/,
    );
    assert.throws(() => loadPolicyFile(file('bad.json', '{ nope')), /POLICY_FILE .*bad\.json: not valid JSON/);
  });
});
