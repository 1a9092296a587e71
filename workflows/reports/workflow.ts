// The weekly report, started every Monday 08:00 (policy time zone) by a Temporal Schedule. It
// reports on the previous ISO week, or on the week it is given (backfill).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { buildWeeklyReport, previousWeek, weekBounds, type WeeklyReport } from '../../src/metrics/weekly-report';
import type { WeeklyReportInput } from './contract';

const { collectClosedCaseFacts, notifySlack, sendStaffEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

// Set by the Schedule on every run it starts, including catch-up runs: the time the run was due.
const ScheduledStart = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Builds the report, posts it to Slack and e-mails it to the Support Lead. */
export async function weeklyReportWorkflow(input: WeeklyReportInput): Promise<WeeklyReport> {
  const { policy } = input;
  const due = workflowInfo().typedSearchAttributes.get(ScheduledStart)?.getTime() ?? workflowInfo().startTime.getTime();
  const week = input.week ?? previousWeek(due, policy.timeZone);
  const { from, to } = weekBounds(week, policy.timeZone);
  const facts = await collectClosedCaseFacts({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const report = buildWeeklyReport(policy, week, facts);
  const lead = policy.contacts.find((c) => c.id === (policy.reporting?.contactId ?? 'support-lead'));
  await notifySlack({ channel: input.slackChannel, text: '```\n' + report.text + '\n```' });
  if (lead) {
    await sendStaffEmail({
      key: `weekly-report:${week}`,
      caseId: `weekly-report-${week}`,
      kind: 'weekly_report',
      to: lead.contact,
      subject: `EduStream Support weekly report ${week}`,
      text: report.text,
    });
  }
  return report;
}
