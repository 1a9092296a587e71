// Support metrics and the weekly report over HTTP, from the facts closed cases published to
// Temporal visibility (no second store).
import type { Client } from '@temporalio/client';
import type { z } from 'zod/v4';
import { summarize, type MetricsSummary } from '../../metrics/summary';
import { closedCaseFacts } from '../../metrics/visibility';
import { buildWeeklyReport, previousWeek, weekBounds } from '../../metrics/weekly-report';
import type { SupportPolicy } from '../../policy/types';
import { HttpError } from '../errors';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

/** The summary of the cases closed in [from, to). */
async function metricsSummary(client: Client, policy: SupportPolicy, from: Date, to: Date): Promise<MetricsSummary> {
  return summarize(policy, await closedCaseFacts(client, from, to), from.toISOString(), to.toISOString());
}

/** The metrics and report routes. */
export function metricsRoutes(env: RouteEnv): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/reports/weekly',
      summary: 'The weekly report of an ISO week (default: last week) as JSON',
      permission: 'case.read',
      query: s.weeklyReportQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.weeklyReportQuery>;
        const week = q.week ?? previousWeek(Date.now(), env.policy.timeZone);
        let bounds: { from: number; to: number };
        try {
          bounds = weekBounds(week, env.policy.timeZone);
        } catch (err) {
          throw new HttpError(400, 'bad_request', `query week: ${(err as Error).message}`);
        }
        return {
          body: buildWeeklyReport(
            env.policy,
            week,
            await closedCaseFacts(env.client, new Date(bounds.from), new Date(bounds.to)),
          ),
        };
      },
    },
    {
      method: 'get',
      path: '/metrics/summary',
      summary: 'Support metrics against the seed targets for a period',
      permission: 'case.read',
      query: s.metricsQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.metricsQuery>;
        const to = q.to ? new Date(q.to) : new Date();
        const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3_600_000);
        return { body: await metricsSummary(env.client, env.policy, from, to) };
      },
    },
  ];
}
