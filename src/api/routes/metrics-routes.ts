// GET /metrics/summary: the seed's support metrics for a period, from the facts closed cases
// published to Temporal visibility (no second store).
import type { Client } from '@temporalio/client';
import { z } from 'zod/v4';
import { summarize, type MetricsSummary } from '../../metrics/summary';
import { closedCaseFacts } from '../../metrics/visibility';
import { buildWeeklyReport, previousWeek, WEEK_PATTERN, weekBounds } from '../../metrics/weekly-report';
import { HttpError } from '../errors';
import type { SupportPolicy } from '../../policy/types';
import type { RouteDef, RouteEnv } from '../app';

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date or date-time');

/** Query of GET /metrics/summary: [from, to), default the last 7 days. */
export const metricsQuery = z.strictObject({ from: isoDate.optional(), to: isoDate.optional() });

/** The summary for a period. */
export async function metricsSummary(client: Client, policy: SupportPolicy, from: Date, to: Date): Promise<MetricsSummary> {
  return summarize(policy, await closedCaseFacts(client, from, to), from.toISOString(), to.toISOString());
}

/** Query of GET /reports/weekly. */
export const weeklyReportQuery = z.strictObject({ week: z.string().regex(WEEK_PATTERN, 'week: like 2026-W48').optional() });

/** Metrics routes. */
export function metricsRoutes(env: RouteEnv): RouteDef[] {
  return [{
    method: 'get', path: '/reports/weekly', summary: 'The weekly report of an ISO week (default: last week) as JSON', permission: 'case.read', query: weeklyReportQuery,
    async handle(ctx) {
      const q = ctx.query as z.infer<typeof weeklyReportQuery>;
      const week = q.week ?? previousWeek(Date.now(), env.policy.timeZone);
      let bounds: { from: number; to: number };
      try { bounds = weekBounds(week, env.policy.timeZone); } catch (err) { throw new HttpError(400, 'bad_request', `query week: ${(err as Error).message}`); }
      return { body: buildWeeklyReport(env.policy, week, await closedCaseFacts(env.client, new Date(bounds.from), new Date(bounds.to))) };
    },
  }, {
    method: 'get', path: '/metrics/summary', summary: 'Support metrics against the seed targets for a period', permission: 'case.read', query: metricsQuery,
    async handle(ctx) {
      const q = ctx.query as z.infer<typeof metricsQuery>;
      const to = q.to ? new Date(q.to) : new Date();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3_600_000);
      return { body: await metricsSummary(env.client, env.policy, from, to) };
    },
  }];
}
