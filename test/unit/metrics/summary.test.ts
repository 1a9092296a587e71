import assert from 'node:assert/strict';
import { percentile, summarize, type CaseFacts } from '../../../src/metrics/summary';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';

const H = 3_600_000;
const fact = (over: Partial<CaseFacts>): CaseFacts => ({
  caseId: 'ES-X',
  category: 'account',
  channel: 'email',
  closedAt: '2026-11-24T12:00:00Z',
  firstContactResolution: true,
  reopens: 0,
  escalated: false,
  compensationCents: 0,
  breaches: 0,
  issues: [],
  ...over,
});

describe('metrics summary', () => {
  it('takes nearest-rank percentiles', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([5], 90), 5);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
  });

  it('judges each seed metric against its target on fixed case facts', () => {
    const facts = [
      fact({ firstResponseMs: 1 * H, resolutionMs: 10 * H, csat: 5, category: 'payment', issues: ['payment-failed'] }),
      fact({ firstResponseMs: 2 * H, resolutionMs: 20 * H, csat: 4, category: 'payment', issues: ['payment-failed'] }),
      fact({
        firstResponseMs: 3 * H,
        resolutionMs: 30 * H,
        csat: 2,
        firstContactResolution: false,
        escalated: true,
        highestSeverity: 'P1',
        breaches: 1,
      }),
      fact({
        firstResponseMs: 9 * H,
        resolutionMs: 40 * H,
        firstContactResolution: false,
        reopens: 1,
        compensationCents: 2500,
        issues: ['cant-log-in'],
      }),
    ];
    const s = summarize(DEFAULT_POLICY, facts, '2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z');
    const m = Object.fromEntries(s.metrics.map((x) => [x.id, x]));
    assert.deepEqual([m.first_response_time.value, m.first_response_time.met], [2, true]); // median 2 h < 4 h
    assert.deepEqual([m.resolution_time.value, m.resolution_time.met], [20, true]); // median 20 h < 24 h
    assert.deepEqual([m.csat.value, m.csat.met], [66.7, false]); // 2 of 3 ratings >= 4
    assert.deepEqual([m.first_contact_resolution.value, m.first_contact_resolution.met], [50, false]);
    assert.deepEqual([m.escalation_rate.value, m.escalation_rate.met], [25, false]); // 25% is not < 20%
    assert.equal(s.firstResponse.p90Minutes, 540);
    assert.equal(s.resolution.p90Hours, 40);
    assert.deepEqual(s.byCategory, { payment: 2, account: 2 });
    assert.deepEqual(s.topIssues, [
      { issue: 'payment-failed', cases: 2 },
      { issue: 'cant-log-in', cases: 1 },
    ]);
    assert.deepEqual(s.escalations, { total: 1, bySeverity: { P1: 1 } });
    assert.equal(s.breaches, 1);
    assert.equal(s.compensationCents, 2500);
  });

  it('reports no value and no verdict for a period without cases', () => {
    const s = summarize(DEFAULT_POLICY, [], '2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z');
    assert.equal(s.cases, 0);
    for (const m of s.metrics) assert.deepEqual([m.value, m.met], [null, null]);
  });
});
