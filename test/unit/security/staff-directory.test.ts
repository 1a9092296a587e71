import assert from 'node:assert/strict';
import { DEMO_TOKENS, type TokenIdentity } from '../../../src/config';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import { actorOf, slug, staffDirectory } from '../../../src/security/staff-directory';

describe('staff-directory', () => {
  const directory = staffDirectory(DEMO_TOKENS, DEFAULT_POLICY);

  it('slugs a name into an id', () => {
    assert.equal(slug('Alex Agent'), 'alex-agent');
    assert.equal(slug("  Dana O'Director, Jr. "), 'dana-o-director-jr');
  });

  it('makes a staff member an actor whose id derives from the name', () => {
    assert.deepEqual(actorOf({ name: 'Lee Lead', role: 'support_lead' }), {
      id: 'lee-lead',
      name: 'Lee Lead',
      role: 'support_lead',
    });
  });

  it('finds the staff member of a bearer token, and nobody for an unknown one', () => {
    assert.deepEqual(directory.byToken('demo-manager'), { name: 'Morgan Manager', role: 'support_manager' });
    assert.equal(directory.byToken('not-a-token'), undefined);
  });

  it('lists the staff whose role may work cases, in token order', () => {
    const names = directory.staff().map((t) => t.name);
    const expected = Object.values(DEMO_TOKENS)
      .filter((t) => DEFAULT_POLICY.permissions['case.work'].includes(t.role))
      .map((t) => t.name);
    assert.deepEqual(names, expected);
    assert.ok(names.includes('Alex Agent'));
    assert.ok(!names.includes('Intake Bot'), 'intake may not work cases');
  });

  it('finds an agent by name ignoring case, and nobody outside the case workers', () => {
    assert.deepEqual(directory.agentNamed('sam agent'), { id: 'sam-agent', name: 'Sam Agent', role: 'agent' });
    assert.equal(directory.agentNamed('Nobody Known'), undefined);
    assert.equal(directory.agentNamed('Intake Bot'), undefined);
  });

  it('reads the tokens it was given', () => {
    const tokens: Record<string, TokenIdentity> = { 'token-of-kim-0000': { name: 'Kim Agent', role: 'agent' } };
    const d = staffDirectory(tokens, DEFAULT_POLICY);
    assert.deepEqual(d.staff(), [{ name: 'Kim Agent', role: 'agent' }]);
    assert.equal(d.agentNamed('Alex Agent'), undefined);
  });
});
