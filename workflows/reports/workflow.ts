// The weekly report, started every Monday 08:00 (policy time zone) by a Temporal Schedule. It
// reports on the previous ISO week, or on the week it is given (backfill).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  buildLegacyWeeklyReport,
  buildWeeklyReport,
  previousWeek,
  weekBounds,
  type LegacyWeeklyReport,
  type WeeklyReport,
} from '../../src/metrics/weekly-report';
import type { WeeklyReportInput } from './contract';

const { collectClosedCaseFacts, collectWeeklyReportData, notifySlack, sendStaffEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});
// Rendering three charts and sending or uploading them takes longer than a plain message.
const { sendWeeklyReportEmail, postWeeklyReportToSlack } = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

// Set by the Schedule on every run it starts, including catch-up runs: the time the run was due.
const ScheduledStart = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Builds the report, posts it to Slack with its charts and e-mails it to the Support Lead. */
export async function weeklyReportWorkflow(input: WeeklyReportInput): Promise<WeeklyReport | LegacyWeeklyReport> {
  const { policy } = input;
  const due = workflowInfo().typedSearchAttributes.get(ScheduledStart)?.getTime() ?? workflowInfo().startTime.getTime();
  const week = input.week ?? previousWeek(due, policy.timeZone);
  const { from, to } = weekBounds(week, policy.timeZone);
  const lead = policy.contacts.find((c) => c.id === (policy.reporting?.contactId ?? 'support-lead'));
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  // Every ticket opened in the week, with charts; a run that started before keeps closed-case facts.
  if (patched('weekly-report-charts')) {
    const report = buildWeeklyReport(policy, week, await collectWeeklyReportData({ policy, ...range }));
    await postWeeklyReportToSlack({ channel: input.slackChannel, report });
    if (lead) await sendWeeklyReportEmail({ key: `weekly-report:${week}`, to: lead.contact, report });
    return report;
  }
  const facts = await collectClosedCaseFacts(range);
  const report = buildLegacyWeeklyReport(policy, week, facts);
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
