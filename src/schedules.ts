// The weekly report's Temporal Schedule: Monday 08:00 in the policy's time zone, missed runs caught
// up (a worker down over the weekend still reports), never two runs at once. Created on first
// start, updated on later ones, so running `npm start` again never makes a second schedule.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { Config } from './config';
import type { SupportPolicy } from './policy/types';
import { WEEKLY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_WORKFLOW_TYPE } from '../workflows/contracts';

/** Creates the weekly report schedule, or brings an existing one up to date. */
export async function ensureWeeklyReportSchedule(
  client: Client,
  config: Pick<Config, 'temporal' | 'reportsChannel'>,
  policy: SupportPolicy,
  scheduleId = WEEKLY_REPORT_SCHEDULE_ID,
): Promise<{ scheduleId: string; outcome: 'created' | 'updated' }> {
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: WEEKLY_REPORT_WORKFLOW_TYPE,
    workflowId: `${scheduleId}-run`,
    taskQueue: config.temporal.taskQueue,
    args: [{ policy, slackChannel: config.reportsChannel }],
  };
  const spec = { calendars: [{ dayOfWeek: 'MONDAY' as const, hour: 8, minute: 0 }], timezone: policy.timeZone };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return { scheduleId, outcome: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
    return { scheduleId, outcome: 'updated' };
  }
}
