import assert from 'node:assert/strict';
import { periodFigures, percentileByCount, type CaseFilter } from '../../../src/metrics/figures';
import { metricsOf, subjectWords } from '../../../src/metrics/marks';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import type { CaseView } from '../../../workflows/contracts';

/** A case as visibility holds it: what the count queries match on. */
interface Rec {
  start: number;
  status: string;
  category: string;
  channel: string;
  marks: string[];
  fr?: number;
  res?: number;
  final?: number;
  resolvedAt?: number;
  closedAt?: number;
}
const inRange = (v: number | undefined, r?: { from: number; to: number }) =>
  !r || (v !== undefined && v >= r.from && v < r.to);
const upTo = (v: number | undefined, lim?: number | 'any') =>
  lim === undefined || (v !== undefined && (lim === 'any' || v <= lim));
/** Counts hand-made records the way caseQuery() asks visibility. */
const counter = (recs: Rec[]) => async (f: CaseFilter) =>
  recs.filter(
    (r) =>
      inRange(r.start, f.opened) &&
      inRange(r.resolvedAt, f.resolved) &&
      inRange(r.closedAt, f.closed) &&
      (!f.open || r.status !== 'closed') &&
      (!f.status || r.status === f.status) &&
      (!f.category || r.category === f.category) &&
      (!f.channel || r.channel === f.channel) &&
      (f.marks ?? []).every((m) => r.marks.includes(m)) &&
      (!f.anyMark || f.anyMark.some((m) => r.marks.includes(m))) &&
      upTo(r.fr, f.firstResponseMins) &&
      upTo(r.res, f.resolutionMins) &&
      upTo(r.final, f.finalResolutionMins),
  ).length;

const T0 = Date.parse('2026-11-23T05:00:00Z'); // Monday 00:00 New York
const DAY = 86_400_000;
const rec = (over: Partial<Rec>): Rec => ({
  start: T0 + DAY,
  status: 'closed',
  category: 'account',
  channel: 'email',
  marks: ['pb:none'],
  ...over,
});

describe('metrics definitions on hand-made case facts', () => {
  const recs: Rec[] = [
    // Answered in 1 h, resolved first contact, rated 5.
    rec({ fr: 60, res: 120, resolvedAt: T0 + DAY, closedAt: T0 + 2 * DAY, marks: ['pb:cant-log-in', 'fcr', 'csat:5'] }),
    // Answered in 6 h, reopened: first resolution 10 h, final 50 h; rated 2.
    rec({
      fr: 360,
      res: 600,
      final: 3000,
      resolvedAt: T0 + DAY,
      closedAt: T0 + 3 * DAY,
      marks: ['pb:none', 'reopened', 'csat:2'],
    }),
    // Escalated by an agent, closed unrated (survey sent).
    rec({
      category: 'payment',
      fr: 30,
      res: 1500,
      resolvedAt: T0 + 2 * DAY,
      closedAt: T0 + 4 * DAY,
      marks: ['pb:payment-failed', 'esc:agent', 'esc:P1', 'climbed'],
    }),
    // Technical, escalated automatically only, still open, not yet answered.
    rec({ category: 'technical', status: 'open', marks: ['pb:none', 'esc:technical', 'esc:P2'] }),
    // In-app self-service answer, then a person at 20 min; still resolved (not closed).
    rec({ channel: 'in_app', status: 'resolved', fr: 20, res: 40, resolvedAt: T0 + DAY, marks: ['pb:none', 'self'] }),
    // Closed without a survey (closed before resolution).
    rec({ status: 'closed', closedAt: T0 + DAY, marks: ['pb:none', 'nosurvey'] }),
    // Opened the week before: in no figure of this week.
    rec({ start: T0 - DAY, fr: 5, marks: ['pb:none', 'esc:agent'] }),
  ];

  it('counts every ticket opened in the week, any status, and separately the resolved and closed ones', async () => {
    const f = await periodFigures(DEFAULT_POLICY, counter(recs), T0, T0 + 7 * DAY);
    assert.equal(f.tickets.opened.total, 6);
    assert.deepEqual(f.tickets.opened.byChannel, { email: 5, chat: 0, in_app: 1 });
    assert.equal(f.tickets.opened.byCategory.technical, 1);
    assert.deepEqual(f.tickets.openedStillOpen.byStatus, { new: 0, open: 1, awaiting_customer: 0, resolved: 1 });
    assert.equal(f.tickets.resolved.total, 4);
    assert.equal(f.tickets.closed.total, 4);
    assert.deepEqual(f.tickets.perDay, [
      { day: '2026-11-24', category: 'account', cases: 4 },
      { day: '2026-11-24', category: 'payment', cases: 1 },
      { day: '2026-11-24', category: 'technical', cases: 1 },
    ]);
  });

  it('takes first response from the first human answer, self-service apart, with median, p90 and share under 4 h', async () => {
    const f = await periodFigures(DEFAULT_POLICY, counter(recs), T0, T0 + 7 * DAY);
    assert.deepEqual(
      [f.firstResponse.all.cases, f.firstResponse.all.medianMinutes, f.firstResponse.all.p90Minutes],
      [4, 30, 360],
    );
    assert.equal(f.firstResponse.all.withinTargetPercent, 75);
    assert.equal(f.firstResponse.all.selfService, 1);
    assert.equal(f.firstResponse.all.notYetAnswered, 2);
    const t = f.targets.find((x) => x.id === 'first_response_time')!;
    assert.deepEqual([t.value, t.met, t.over], [0.5, true, 4]);
    const inApp = f.firstResponse.byChannel.find((c) => c.channel === 'in_app')!;
    assert.deepEqual([inApp.time, inApp.selfService, inApp.medianMinutes], ['calendar', 1, 20]);
    assert.equal(f.firstResponse.byChannel.find((c) => c.channel === 'chat')!.time, 'business');
    assert.equal(
      f.firstResponse.histogram.reduce((n, h) => n + h.cases, 0),
      4,
    );
  });

  it('measures resolution to the first resolution, and reopened cases to their final one', async () => {
    const f = await periodFigures(DEFAULT_POLICY, counter(recs), T0, T0 + 7 * DAY);
    assert.deepEqual([f.resolution.first.cases, f.resolution.first.medianMinutes], [4, 120]);
    assert.equal(f.resolution.first.withinTargetPercent, 75); // 1500 min is over 24 h
    assert.deepEqual([f.resolution.finalOfReopened.cases, f.resolution.finalOfReopened.medianMinutes], [1, 3000]);
  });

  it('takes CSAT over the ratings of closed cases, with the distribution and the response rate', async () => {
    const f = await periodFigures(DEFAULT_POLICY, counter(recs), T0, T0 + 7 * DAY);
    assert.deepEqual(f.csat.distribution, { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 });
    assert.equal(f.csat.ratings, 2);
    assert.equal(f.csat.surveysSent, 3); // four closed, one without a survey
    assert.equal(f.csat.responseRatePercent, 66.7);
    const t = f.targets.find((x) => x.id === 'csat')!;
    assert.deepEqual([t.value, t.met, t.over], [50, false, 2]);
  });

  it('keeps first-contact resolution over closed cases and counts automatic Technical escalations apart', async () => {
    const f = await periodFigures(DEFAULT_POLICY, counter(recs), T0, T0 + 7 * DAY);
    assert.deepEqual([f.firstContactResolution.resolvedFirstContact, f.firstContactResolution.closed], [1, 4]);
    const e = f.targets.find((x) => x.id === 'escalation_rate')!;
    assert.deepEqual([e.value, e.met, e.over], [16.7, true, 6]);
    assert.deepEqual(f.escalation.technicalAutomatic, {
      cases: 1,
      onlyAutomatic: 1,
      note: f.escalation.technicalAutomatic.note,
    });
    assert.deepEqual([f.escalation.bySeverity.P1, f.escalation.bySeverity.P2, f.escalation.ladderClimbed], [1, 1, 1]);
  });

  it('finds nearest-rank percentiles by counting, to the minute', async () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000].map((fr) => rec({ fr }));
    const count = counter(values);
    assert.equal(await percentileByCount(count, {}, 'firstResponseMins', 10, 50), 5);
    assert.equal(await percentileByCount(count, {}, 'firstResponseMins', 10, 90), 9);
    assert.equal(await percentileByCount(count, {}, 'firstResponseMins', 10, 100), 1000);
    assert.equal(await percentileByCount(count, {}, 'firstResponseMins', 0, 50), null);
  });
});

describe('what a case publishes for the metrics (metricsOf)', () => {
  const opened = '2026-11-24T14:00:00Z'; // Tuesday 09:00 New York
  const view = (over: Partial<CaseView>): CaseView =>
    ({
      caseId: 'ES-X',
      status: 'open',
      channel: 'chat',
      category: 'account',
      reopens: 0,
      timeline: [],
      commonIssues: [],
      escalations: [],
      compensations: [],
      csat: null,
      times: { openedAt: opened },
      ...over,
    }) as unknown as CaseView;

  it('counts a chat first response in business hours and keeps the self-service answer apart', () => {
    // Answered at 19:00 New York the same day: 9 business hours (09:00-18:00), 10 calendar hours.
    const m = metricsOf(DEFAULT_POLICY, view({}), {
      selfService: true,
      firstHumanResponseAtMs: Date.parse('2026-11-25T00:00:00Z'),
    });
    assert.equal(m.firstResponseMins, 9 * 60);
    assert.ok(m.marks.includes('self'));
  });

  it('marks a reopened, escalated, rated case, with its first and final resolution', () => {
    const m = metricsOf(
      DEFAULT_POLICY,
      view({
        status: 'closed',
        channel: 'email',
        reopens: 1,
        commonIssues: [{ id: 'cant-log-in', title: "I can't log in" }],
        escalations: [
          {
            source: 'agent',
            severity: 'P1',
            rungs: [
              { index: 0, state: 'notified' },
              { index: 1, state: 'notified' },
            ],
          },
          { source: 'category', severity: 'P2', rungs: [] },
        ] as unknown as CaseView['escalations'],
        csat: { surveySentAt: opened, rating: 4 },
        times: { openedAt: opened, resolvedAt: '2026-11-26T14:00:00Z', closedAt: '2026-11-27T14:00:00Z' },
      }),
      { firstResolvedAtMs: Date.parse('2026-11-24T16:00:00Z') },
    );
    assert.deepEqual(m.marks, [
      'climbed',
      'csat:4',
      'esc:P1',
      'esc:P2',
      'esc:agent',
      'esc:technical',
      'pb:cant-log-in',
      'reopened',
    ]);
    assert.equal(m.resolutionMins, 120);
    assert.equal(m.finalResolutionMins, 2 * 24 * 60);
    assert.equal(m.firstResponseMins, null);
  });

  it('marks an unrated closed case without a survey and keeps no final resolution for one never reopened', () => {
    const m = metricsOf(DEFAULT_POLICY, view({ status: 'closed', times: { openedAt: opened, resolvedAt: opened } }), {
      firstResolvedAtMs: Date.parse(opened),
      words: ['locked'],
    });
    assert.deepEqual(m.marks, ['fcr', 'nosurvey', 'pb:none', 'w:locked']);
    assert.equal(m.finalResolutionMins, null);
  });

  it('takes subject words only from the policy vocabulary (never names or addresses)', () => {
    assert.deepEqual(subjectWords(DEFAULT_POLICY, 'Ada Lovelace: account locked, ada@example.com'), [
      'account',
      'locked',
    ]);
  });
});
