import assert from 'node:assert/strict';
import { DEMO_TOKENS, type TokenIdentity } from '../../../src/config';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import { hashTokens, tokenHash } from '../../../src/security/bearer-tokens';
import { actorOf, slug, staffDirectory } from '../../../src/security/staff-directory';

describe('staff-directory', () => {
  const directory = staffDirectory(hashTokens(Object.entries(DEMO_TOKENS)), DEFAULT_POLICY);

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

  it('knows nobody by a name of Object.prototype, an empty, a very long or a non-ASCII token', () => {
    for (const token of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'prototype',
      'valueOf',
      '',
      'x'.repeat(10_240),
      'démo-agent',
      'demo-agent\u0000',
      tokenHash('demo-agent'),
    ])
      assert.equal(directory.byToken(token), undefined, JSON.stringify(token.slice(0, 40)));
  });

  it('keeps no token in the clear: the keys are SHA-256 hashes', () => {
    const tokens = hashTokens(Object.entries(DEMO_TOKENS));
    assert.ok([...tokens.keys()].every((k) => /^[0-9a-f]{64}$/.test(k)));
    assert.deepEqual(tokens.get(tokenHash('demo-lead')), { name: 'Lee Lead', role: 'support_lead' });
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
    const tokens: [string, TokenIdentity][] = [['token-of-kim-0000', { name: 'Kim Agent', role: 'agent' }]];
    const d = staffDirectory(hashTokens(tokens), DEFAULT_POLICY);
    assert.deepEqual(d.byToken('token-of-kim-0000'), { name: 'Kim Agent', role: 'agent' });
    assert.deepEqual(d.staff(), [{ name: 'Kim Agent', role: 'agent' }]);
    assert.equal(d.agentNamed('Alex Agent'), undefined);
  });
});
