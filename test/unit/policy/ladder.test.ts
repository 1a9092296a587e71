import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import {
  escalationNotices,
  ladderWaitsDiffer,
  rungAckChannel,
  rungAckMinutes,
  triggersOf,
} from '../../../src/policy/ladder';
import type { Severity, SeverityDef } from '../../../src/policy/types';

const policy = DEFAULT_POLICY;
const sev = (id: Severity): SeverityDef => policy.severities.find((s) => s.id === id)!;
const waits = (id: Severity) => sev(id).ladder.map((r) => rungAckMinutes(policy, sev(id), r));

describe('escalation ladders: acknowledgement waits and contacts', () => {
  it("waits each rung's internal channel: Slack 30 minutes, PagerDuty 15, engineering@ 24 hours", () => {
    assert.deepEqual(waits('P0'), [15, 15, 15]); // PagerDuty, On-call (PagerDuty), CTO (the severity's)
    assert.deepEqual(waits('P1'), [30, 15, 60]); // Slack, On-call (PagerDuty), Engineering Lead (P1's hour)
    assert.deepEqual(waits('P2'), [30, 240, 24 * 60]); // Slack, Engineering Lead (P2's 4 h), engineering@
    assert.deepEqual(waits('P3'), [24 * 60, 24 * 60]); // the ticket (P3's 24 h), engineering@
    assert.equal(rungAckChannel(policy, sev('P2').ladder[2])?.id, 'engineering-email');
    assert.equal(rungAckChannel(policy, sev('P2').ladder[1]), undefined, 'an e-mail to a person has no channel');
  });

  it("takes a rung's ackChannelId over the derived channel, and the severity's time for an unknown one", () => {
    const p1 = sev('P1');
    assert.equal(rungAckMinutes(policy, p1, { ...p1.ladder[0], ackChannelId: 'pagerduty' }), 15);
    assert.equal(rungAckMinutes(policy, p1, { ...p1.ladder[0], ackChannelId: 'nope' }), 60);
    assert.equal(rungAckMinutes({ ...policy, internalChannels: [] }, p1, p1.ladder[0]), 60);
  });

  it("knows which ladders wait anything but their severity's time", () => {
    assert.deepEqual(
      (['P0', 'P1', 'P2', 'P3'] as const).map((s) => ladderWaitsDiffer(policy, sev(s))),
      [false, true, true, false],
    );
  });

  it('tells Legal of a suspected data breach, suspected fraud and a legal-compliance flag; Operations of business triggers', () => {
    const told = (e: { triggerId?: string; text: string }) =>
      escalationNotices(policy.escalationNotices, e).map((n) => `${n.contactId}:${n.because}`);
    assert.deepEqual(told({ text: 'Suspected data breach: student emails leaked' }), ['legal:Data breach suspected']);
    assert.deepEqual(told({ triggerId: 'suspected-fraud', text: 'fraud?' }), ['legal:suspected-fraud']);
    assert.deepEqual(told({ triggerId: 'legal-compliance', text: 'GDPR request' }), ['legal:legal-compliance']);
    assert.deepEqual(told({ triggerId: 'disputed-transaction', text: 'chargeback' }), [
      'operations:disputed-transaction',
    ]);
    assert.deepEqual(told({ triggerId: 'oauth', text: 'Google login fails' }), []);
    assert.deepEqual(escalationNotices(undefined, { triggerId: 'suspected-fraud', text: '' }), []);
  });

  it('lets every category flag legal-compliance besides its own triggers', () => {
    for (const c of policy.categories) assert.equal(triggersOf(policy, c).at(-1)?.id, 'legal-compliance', c.id);
    assert.deepEqual(
      triggersOf({}, policy.categories[0]).map((t) => t.id),
      ['oauth', 'database-inconsistency', 'suspected-fraud'],
    );
  });
});
