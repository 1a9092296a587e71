import assert from 'node:assert/strict';
import { buildLegacyWeeklyReport, isoWeekOf, previousWeek, weekBounds } from '../../../src/metrics/weekly-report';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';

describe('weekly report', () => {
  it('names ISO weeks, including the ones that straddle a new year', () => {
    assert.equal(isoWeekOf(Date.parse('2026-11-27T12:00:00Z'), 'UTC'), '2026-W48');
    assert.equal(isoWeekOf(Date.parse('2027-01-01T12:00:00Z'), 'UTC'), '2026-W53');
    assert.equal(isoWeekOf(Date.parse('2025-12-29T12:00:00Z'), 'UTC'), '2026-W01');
    // Monday 02:00 UTC is still Sunday in New York.
    assert.equal(isoWeekOf(Date.parse('2026-11-30T02:00:00Z'), 'America/New_York'), '2026-W48');
  });

  it('bounds a week by local Mondays at midnight, across a DST change', () => {
    assert.deepEqual(weekBounds('2026-W48', 'America/New_York'), {
      from: Date.parse('2026-11-23T05:00:00Z'),
      to: Date.parse('2026-11-30T05:00:00Z'),
    });
    // The week of 2026-11-01 (fall back) is 169 hours long in New York.
    const { from, to } = weekBounds('2026-W44', 'America/New_York');
    assert.equal(from, Date.parse('2026-10-26T04:00:00Z'));
    assert.equal((to - from) / 3_600_000, 169);
    assert.throws(() => weekBounds('2026-W54', 'UTC'), /not a week of 2026/);
    assert.throws(() => weekBounds('2026-48', 'UTC'), /must look like/);
  });

  it('reports on the previous week when run on Monday morning', () => {
    assert.equal(previousWeek(Date.parse('2026-11-30T13:00:00Z'), 'America/New_York'), '2026-W48');
  });

  it('lists totals by category, targets met or missed, top issues and escalations', () => {
    const r = buildLegacyWeeklyReport(DEFAULT_POLICY, '2026-W48', [
      {
        caseId: 'ES-A',
        category: 'payment',
        channel: 'email',
        closedAt: '2026-11-24T15:00:00Z',
        firstResponseMs: 3_600_000,
        resolutionMs: 7_200_000,
        firstContactResolution: true,
        reopens: 0,
        escalated: false,
        csat: 5,
        compensationCents: 1500,
        breaches: 0,
        issues: ['payment-failed'],
      },
      {
        caseId: 'ES-B',
        category: 'technical',
        channel: 'chat',
        closedAt: '2026-11-25T15:00:00Z',
        firstResponseMs: 60_000,
        resolutionMs: 90_000_000,
        firstContactResolution: false,
        reopens: 0,
        escalated: true,
        highestSeverity: 'P2',
        csat: 3,
        compensationCents: 0,
        breaches: 1,
        issues: [],
      },
    ]);
    assert.equal(r.from, '2026-11-23T05:00:00.000Z');
    assert.match(r.text, /^EduStream Support weekly report 2026-W48 \(2026-11-23 to 2026-11-29, America\/New_York\)/);
    assert.match(r.text, /Total tickets closed: 2\n {2}payment: 1\n {2}technical: 1/);
    assert.match(r.text, /MISSED Customer Satisfaction \(CSAT\): 50% \(target >90%\)/);
    assert.match(r.text, /MISSED Escalation Rate: 50% \(target <20%\)/);
    assert.match(r.text, /Top issues:\n {2}payment-failed: 1/);
    assert.match(r.text, /Escalations: 1 \(P2: 1\)/);
    assert.match(r.text, /SLA breaches: 1\nCompensation paid: \$15\.00/);
  });
});
