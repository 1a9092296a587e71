// Reads the metrics from Temporal visibility: counts of cases matching search attributes (the
// CaseFilter of figures.ts turned into a visibility query), a bounded page where a figure needs
// cases themselves (top-issue words, the escalation list), and the live figures. No second store.
import type { Client } from '@temporalio/client';
import {
  caseViewQuery,
  INCIDENT_WORKFLOW_TYPE,
  OPEN_INCIDENT_STATUSES,
  type CaseView,
} from '../../workflows/contracts';
import { CASE_STATUSES, CATEGORIES, CHANNELS, type SupportPolicy } from '../policy/types';
import {
  COUNTED_ESCALATIONS,
  markUniverse,
  type CaseCounter,
  type CaseFilter,
  type EscalationLine,
  type TopIssue,
} from './figures';

export type { EscalationLine, TopIssue };
import { escalationFactsOf } from './facts';
import type { CaseFacts, EscalationFact } from './summary';

const CASE_TYPE = `WorkflowType = 'supportCaseWorkflow'`;
const iso = (ms: number) => new Date(ms).toISOString();
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const OPEN_STATUSES = CASE_STATUSES.filter((s) => s !== 'closed');

/** The visibility query of a case filter. */
export function caseQuery(f: CaseFilter): string {
  const q = [CASE_TYPE];
  const range = (attr: string, r?: { from: number; to: number }) => {
    if (r) q.push(`${attr} >= '${iso(r.from)}' AND ${attr} < '${iso(r.to)}'`);
  };
  range('StartTime', f.opened);
  range('CaseResolvedAt', f.resolved);
  range('CaseClosedAt', f.closed);
  range('CaseNextDeadline', f.deadline);
  if (f.openedBefore !== undefined) q.push(`StartTime < '${iso(f.openedBefore)}'`);
  if (f.open) q.push(`ExecutionStatus = 'Running' AND CaseStatus IN (${OPEN_STATUSES.map(quote).join(', ')})`);
  if (f.status) q.push(`CaseStatus = ${quote(f.status)}`);
  if (f.category) q.push(`CaseCategory = ${quote(f.category)}`);
  if (f.channel) q.push(`CaseChannel = ${quote(f.channel)}`);
  for (const m of f.marks ?? []) q.push(`CaseMarks = ${quote(m)}`);
  if (f.anyMark?.length) q.push(`CaseMarks IN (${f.anyMark.map(quote).join(', ')})`);
  const minutes = (attr: string, v?: number | 'any') => {
    if (v === 'any') q.push(`${attr} >= 0`);
    else if (v !== undefined) q.push(`${attr} >= 0 AND ${attr} <= ${v}`);
  };
  minutes('CaseFirstResponseMins', f.firstResponseMins);
  minutes('CaseResolutionMins', f.resolutionMins);
  minutes('CaseFinalResolutionMins', f.finalResolutionMins);
  if (f.severity) q.push(`CaseSeverity = ${quote(f.severity)}`);
  if (f.approvalTier) q.push(`CasePendingApproval = true AND CaseApprovalTier = ${quote(f.approvalTier)}`);
  if (f.breached !== undefined) q.push(`CaseBreached = ${f.breached}`);
  return q.join(' AND ');
}

/** Runs at most `limit` async tasks at once. */
function limiter(limit: number) {
  let running = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

/** A counter over visibility (client.workflow.count), a few counts at a time. */
export function visibilityCounter(client: Client, concurrency = 8): CaseCounter & { queries: () => number } {
  const run = limiter(concurrency);
  let n = 0;
  const counter = (f: CaseFilter) =>
    run(async () => {
      n++;
      return (await client.workflow.count(caseQuery(f))).count;
    });
  return Object.assign(counter, { queries: () => n });
}

/** Facts of the cases that closed in [from, to) (the report of cases opened before case marks). */
export async function closedCaseFacts(client: Client, from: Date, to: Date): Promise<CaseFacts[]> {
  const query = `${CASE_TYPE} AND CaseClosedAt >= '${from.toISOString()}' AND CaseClosedAt < '${to.toISOString()}'`;
  const facts: CaseFacts[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const raw = (wf.searchAttributes as Record<string, unknown[] | undefined>).CaseFacts?.[0];
    if (typeof raw === 'string') facts.push(JSON.parse(raw) as CaseFacts);
  }
  return facts;
}

/** How many unmatched cases are read for their subject words at most (one page). */
export const WORDS_PAGE = 500;

/**
 * Top issues of the cases opened in [from, to): each playbook matched, else the category with the
 * most common words of its subject lines; cases opened before case marks are "unclassified". The
 * lines add up to the cases opened (a case matching two playbooks counts in both).
 */
export async function topIssues(
  client: Client,
  policy: SupportPolicy,
  count: CaseCounter,
  from: number,
  to: number,
): Promise<TopIssue[]> {
  const opened = { opened: { from, to } };
  const playbooks = await Promise.all(
    policy.commonIssues.map(async (p) => ({
      issue: p.title,
      key: p.id,
      kind: 'playbook' as const,
      cases: await count({ ...opened, marks: [`pb:${p.id}`] }),
    })),
  );
  const categories = [...CATEGORIES, 'uncategorized'];
  const unmatched = await Promise.all(
    categories.map(async (c) => ({ c, n: await count({ ...opened, category: c, marks: ['pb:none'] }) })),
  );
  const words = new Map<string, Map<string, number>>();
  let read = 0;
  if (unmatched.some((u) => u.n > 0)) {
    const query = caseQuery({ ...opened, marks: ['pb:none'] });
    for await (const wf of client.workflow.list({ query, pageSize: 100 })) {
      if (read++ >= WORDS_PAGE) break;
      const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
      const category = String(sa.CaseCategory?.[0] ?? 'uncategorized');
      const tally = words.get(category) ?? new Map<string, number>();
      for (const m of (sa.CaseMarks ?? []) as string[])
        if (m.startsWith('w:')) tally.set(m.slice(2), (tally.get(m.slice(2)) ?? 0) + 1);
      words.set(category, tally);
    }
  }
  const name = (c: string) => policy.categories.find((x) => x.id === c)?.name ?? 'Uncategorized';
  const byCategory: TopIssue[] = unmatched
    .filter((u) => u.n > 0)
    .map((u) => {
      const top = [...(words.get(u.c)?.entries() ?? [])]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([w]) => w);
      return {
        issue: `${name(u.c)} (no playbook)${top.length ? `: ${top.join(', ')}` : ''}`,
        key: u.c,
        kind: 'category' as const,
        cases: u.n,
        words: top,
        wordsOver: Math.min(read, WORDS_PAGE),
      };
    });
  const total = await count(opened);
  const marked = await count({ ...opened, anyMark: markUniverse(policy) });
  const unclassified: TopIssue[] =
    total > marked
      ? [
          {
            issue: 'Unclassified (opened before case marks)',
            key: 'unclassified',
            kind: 'unclassified',
            cases: total - marked,
          },
        ]
      : [];
  return [...playbooks.filter((p) => p.cases > 0), ...byCategory, ...unclassified].sort(
    (a, b) => b.cases - a.cases || a.issue.localeCompare(b.issue),
  );
}

/** How many escalated cases the summary lists at most (the counts cover them all). */
export const ESCALATIONS_PAGE = 50;

/** Each escalation of the cases opened in [from, to), from the first ESCALATIONS_PAGE escalated cases. */
export async function escalationLines(
  client: Client,
  from: number,
  to: number,
): Promise<{ lines: EscalationLine[]; casesListed: number }> {
  const query = caseQuery({
    opened: { from, to },
    anyMark: [...COUNTED_ESCALATIONS, 'esc:technical'],
  });
  const lines: EscalationLine[] = [];
  let listed = 0;
  for await (const wf of client.workflow.list({ query, pageSize: ESCALATIONS_PAGE })) {
    if (listed++ >= ESCALATIONS_PAGE) break;
    const caseId = wf.workflowId.replace(/^case-/, '');
    const raw = (wf.searchAttributes as Record<string, unknown[] | undefined>).CaseFacts?.[0];
    let list: EscalationFact[] | undefined;
    if (typeof raw === 'string') list = (JSON.parse(raw) as CaseFacts).escalationList;
    else if (wf.status.name === 'RUNNING') {
      const view: CaseView = await client.workflow.getHandle(wf.workflowId).query(caseViewQuery);
      list = escalationFactsOf(view.escalations ?? []);
    }
    for (const e of list ?? []) lines.push({ caseId, ...e });
  }
  return {
    lines: lines.sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    casesListed: Math.min(listed, ESCALATIONS_PAGE),
  };
}

/** The live figures: what is open right now. */
export interface LiveFigures {
  at: string;
  open: { total: number; byStatus: Record<string, number>; byCategory: Record<string, number> };
  breaching: { breachedOpen: number; dueWithinHour: number; over: string };
  oldestOpenByChannel: Record<string, { caseId: string; openedAt: string; ageMinutes: number } | null>;
  pendingApprovalsByTier: Record<string, number>;
  openEscalationsBySeverity: Record<string, number>;
  incidents: { open: number; byStatus: Record<string, number> };
}

/** The oldest open case of a channel: its start time found by halving with counts, then one small page. */
async function oldestOpen(
  client: Client,
  count: CaseCounter,
  channel: string,
  now: number,
): Promise<{ caseId: string; openedAt: string; ageMinutes: number } | null> {
  const base = { open: true, channel };
  if ((await count(base)) === 0) return null;
  // Smallest t (to the minute) with an open case started before it, over the last 10 years.
  let lo = now - 10 * 366 * 86_400_000;
  let hi = now + 60_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((await count({ ...base, openedBefore: mid })) > 0) hi = mid;
    else lo = mid;
  }
  let oldest: { id: string; start: number } | null = null;
  for await (const wf of client.workflow.list({ query: caseQuery({ ...base, openedBefore: hi }), pageSize: 20 })) {
    const start = wf.startTime.getTime();
    if (!oldest || start < oldest.start) oldest = { id: wf.workflowId, start };
  }
  if (!oldest) return null;
  return {
    caseId: oldest.id.replace(/^case-/, ''),
    openedAt: new Date(oldest.start).toISOString(),
    ageMinutes: Math.floor((now - oldest.start) / 60_000),
  };
}

/** The live figures, all counts (plus one small page per channel for the oldest case). */
export async function liveFigures(client: Client, policy: SupportPolicy, now = Date.now()): Promise<LiveFigures> {
  const count = visibilityCounter(client);
  const byKey = async (keys: readonly string[], f: (k: string) => CaseFilter) =>
    Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await count(f(k))] as const)));
  const incidentCount = (status: string) =>
    client.workflow
      .count(
        `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND IncidentStatus = ${quote(status)}`,
      )
      .then((r) => r.count);
  const [byStatus, byCategory, breachedOpen, dueWithinHour, tiers, severities, oldest, incidentsByStatus] =
    await Promise.all([
      byKey(OPEN_STATUSES, (status) => ({ open: true, status })),
      byKey([...CATEGORIES, 'uncategorized'], (category) => ({ open: true, category })),
      count({ open: true, breached: true }),
      count({ open: true, deadline: { from: now, to: now + 3_600_000 } }),
      byKey(
        policy.approvalTiers.map((t) => t.role),
        (approvalTier) => ({ open: true, approvalTier }),
      ),
      byKey(['P0', 'P1', 'P2', 'P3'], (severity) => ({ open: true, severity })),
      Promise.all(CHANNELS.map(async (c) => [c, await oldestOpen(client, count, c, now)] as const)),
      Promise.all(OPEN_INCIDENT_STATUSES.map(async (s) => [s, await incidentCount(s)] as const)),
    ]);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const incidents = Object.fromEntries(incidentsByStatus);
  return {
    at: new Date(now).toISOString(),
    open: { total: sum(byStatus), byStatus, byCategory },
    breaching: {
      breachedOpen,
      dueWithinHour,
      over: 'open cases: a clock already breached; the next deadline within the hour',
    },
    oldestOpenByChannel: Object.fromEntries(oldest),
    pendingApprovalsByTier: tiers,
    openEscalationsBySeverity: severities,
    incidents: { open: sum(incidents), byStatus: incidents },
  };
}
