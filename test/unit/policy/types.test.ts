import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import { CATEGORIES, CHANNELS, GUIDELINES, SEVERITIES } from '../../../src/policy/types';

describe('policy constants', () => {
  it("list the seed policy's categories, severities and guidelines in its order, and each of its channels", () => {
    assert.deepEqual(
      DEFAULT_POLICY.categories.map((c) => c.id),
      [...CATEGORIES],
    );
    assert.deepEqual(DEFAULT_POLICY.channels.map((c) => c.id).sort(), [...CHANNELS].sort());
    assert.deepEqual(
      DEFAULT_POLICY.severities.map((s) => s.id),
      [...SEVERITIES],
    );
    assert.deepEqual(
      DEFAULT_POLICY.compensation.map((g) => g.id),
      [...GUIDELINES],
    );
  });
});
