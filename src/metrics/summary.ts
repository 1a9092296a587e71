// The seed's Metrics & Reporting, computed from facts each case recorded about itself. Pure, so it
// serves the API, the weekly report workflow and tests alike.
import type { Category, SupportPolicy } from '../policy/types';

/** What a finished (closed) case says about itself; read back from its search attributes. */
export interface CaseFacts {
  caseId: string;
  category: Category | 'uncategorized';
  channel: string;
  closedAt: string;
  /** ms from open to the first response; absent if nobody ever answered. */
  firstResponseMs?: number;
  /** ms from open to (last) resolution, calendar time. */
  resolutionMs?: number;
  /** Resolved without escalation, without reopening, with at most one agent reply. */
  firstContactResolution: boolean;
  reopens: number;
  escalated: boolean;
  highestSeverity?: string;
  csat?: number;
  compensationCents: number;
  breaches: number;
  /** The common-issue playbooks the case matched, for "top issues". */
  issues: string[];
  /** Each escalation (cases opened with the metrics-marks patch). */
  escalationList?: EscalationFact[];
}

/** One escalation of a case, for the weekly escalation summary. */
export interface EscalationFact {
  id: string;
  severity: string;
  source: 'agent' | 'category' | 'trigger' | 'reopens';
  createdAt: string;
  /** Minutes from the escalation to its acknowledgement; absent if never acknowledged. */
  ackMinutes?: number;
  /** Whether the ladder went past its first rung. */
  climbed: boolean;
}

/** One metric against its seed target. */
export interface MetricResult {
  id: string;
  name: string;
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
  detail?: string;
}

/** The summary for a period. */
export interface MetricsSummary {
  from: string;
  to: string;
  cases: number;
  metrics: MetricResult[];
  firstResponse: { medianMinutes: number | null; p90Minutes: number | null };
  resolution: { medianHours: number | null; p90Hours: number | null };
  byCategory: Record<string, number>;
  topIssues: { issue: string; cases: number }[];
  escalations: { total: number; bySeverity: Record<string, number> };
  breaches: number;
  compensationCents: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100); null for none. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

const round = (n: number | null, digits = 1) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const share = (part: number, whole: number) => (whole === 0 ? null : (100 * part) / whole);

function judge(policy: SupportPolicy, id: string, value: number | null, detail?: string): MetricResult {
  const t = policy.metrics.find((m) => m.id === id);
  if (!t) throw new Error(`the policy has no metric '${id}'`);
  const met = value === null ? null : t.comparator === '<' ? value < t.value : value > t.value;
  return { id, name: t.name, target: t.target, value: round(value), unit: t.unit, met, ...(detail ? { detail } : {}) };
}

/** Summarises the facts of the cases closed in [from, to). */
export function summarize(policy: SupportPolicy, facts: CaseFacts[], from: string, to: string): MetricsSummary {
  const hours = (ms: number) => ms / 3_600_000;
  const fr = facts.flatMap((f) => (f.firstResponseMs === undefined ? [] : [f.firstResponseMs])).sort((a, b) => a - b);
  const rs = facts.flatMap((f) => (f.resolutionMs === undefined ? [] : [f.resolutionMs])).sort((a, b) => a - b);
  const rated = facts.filter((f) => f.csat !== undefined);
  const happy = rated.filter((f) => (f.csat ?? 0) >= 4).length;
  const escalated = facts.filter((f) => f.escalated);
  const byCategory: Record<string, number> = {};
  const issues = new Map<string, number>();
  const bySeverity: Record<string, number> = {};
  for (const f of facts) {
    byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
    for (const i of f.issues) issues.set(i, (issues.get(i) ?? 0) + 1);
    if (f.highestSeverity) bySeverity[f.highestSeverity] = (bySeverity[f.highestSeverity] ?? 0) + 1;
  }
  const medianFr = percentile(fr, 50);
  const medianRs = percentile(rs, 50);
  return {
    from,
    to,
    cases: facts.length,
    metrics: [
      judge(policy, 'first_response_time', medianFr === null ? null : hours(medianFr), 'median, hours'),
      judge(policy, 'resolution_time', medianRs === null ? null : hours(medianRs), 'median, hours'),
      judge(policy, 'csat', share(happy, rated.length), `${happy} of ${rated.length} ratings were 4 or 5`),
      judge(
        policy,
        'first_contact_resolution',
        share(facts.filter((f) => f.firstContactResolution).length, facts.length),
      ),
      judge(policy, 'escalation_rate', share(escalated.length, facts.length)),
    ],
    firstResponse: {
      medianMinutes: round(medianFr === null ? null : medianFr / 60_000),
      p90Minutes: round(percentile(fr, 90) === null ? null : percentile(fr, 90)! / 60_000),
    },
    resolution: {
      medianHours: round(medianRs === null ? null : hours(medianRs)),
      p90Hours: round(percentile(rs, 90) === null ? null : hours(percentile(rs, 90)!)),
    },
    byCategory,
    topIssues: [...issues.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([issue, cases]) => ({ issue, cases })),
    escalations: { total: escalated.length, bySeverity },
    breaches: facts.reduce((n, f) => n + f.breaches, 0),
    compensationCents: facts.reduce((n, f) => n + f.compensationCents, 0),
  };
}
