// Support metrics, live figures and the weekly report over HTTP, from what cases publish to
// Temporal visibility (count queries; no second store).
import type { Client } from '@temporalio/client';
import type { z } from 'zod/v4';
import { periodFigures } from '../../metrics/figures';
import { escalationLines, liveFigures, topIssues, visibilityCounter } from '../../metrics/visibility';
import { buildWeeklyReport, previousWeek, weekBounds, type WeeklyReportData } from '../../metrics/weekly-report';
import type { SupportPolicy } from '../../policy/types';
import { HttpError } from '../errors';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

const DAY = 86_400_000;

/** The figures, top issues and escalations of [from, to). */
export async function reportData(
  client: Client,
  policy: SupportPolicy,
  from: number,
  to: number,
): Promise<WeeklyReportData> {
  const count = visibilityCounter(client);
  const [figures, issues, escalations] = await Promise.all([
    periodFigures(policy, count, from, to),
    topIssues(client, policy, count, from, to),
    escalationLines(client, from, to),
  ]);
  return { figures, topIssues: issues, escalations };
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
          body: buildWeeklyReport(env.policy, week, await reportData(env.client, env.policy, bounds.from, bounds.to)),
        };
      },
    },
    {
      method: 'get',
      path: '/metrics/summary',
      summary: 'Tickets and the five targets for a period (default: the last 7 days), from visibility counts',
      permission: 'case.read',
      query: s.metricsQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.metricsQuery>;
        const to = q.to ? Date.parse(q.to) : Date.now();
        const from = q.from ? Date.parse(q.from) : to - 7 * DAY;
        if (!(from < to)) throw new HttpError(400, 'bad_request', 'query from: must be before to');
        if (to - from > 366 * DAY) throw new HttpError(400, 'bad_request', 'query from/to: at most 366 days apart');
        const data = await reportData(env.client, env.policy, from, to);
        return { body: { ...data.figures, topIssues: data.topIssues, escalations: data.escalations } };
      },
    },
    {
      method: 'get',
      path: '/metrics/live',
      summary:
        'Open cases by status and category, breaching now or within the hour, the oldest open case per channel, pending approvals by tier, open escalations by severity, open incidents',
      permission: 'case.read',
      query: s.liveMetricsQuery,
      async handle() {
        return { body: await liveFigures(env.client, env.policy) };
      },
    },
  ];
}
