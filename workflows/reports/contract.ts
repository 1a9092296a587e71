// The weekly report's contract: its Workflow Type, input and the Schedule that starts it.
import type { LegacyWeeklyReport, WeeklyReport } from '../../src/metrics/weekly-report';
import type { SupportPolicy } from '../../src/policy/types';

/** Workflow Type of the weekly report (the workflow function's name). */
export const WEEKLY_REPORT_WORKFLOW_TYPE = 'weeklyReportWorkflow';
/** The weekly report workflow's signature, so clients start it by type name. */
export type WeeklyReportWorkflow = (input: WeeklyReportInput) => Promise<WeeklyReport | LegacyWeeklyReport>;

/** Id of the Schedule that starts the report every Monday. */
export const WEEKLY_REPORT_SCHEDULE_ID = 'weekly-support-report';

/** Input of weeklyReportWorkflow. */
export interface WeeklyReportInput {
  policy: SupportPolicy;
  slackChannel: string;
  week?: string;
}
