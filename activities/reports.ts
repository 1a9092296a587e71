import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import { renderReportCharts, reportHtml } from '../src/metrics/charts';
import { periodFigures } from '../src/metrics/figures';
import type { CaseFacts } from '../src/metrics/summary';
import { closedCaseFacts, escalationLines, topIssues, visibilityCounter } from '../src/metrics/visibility';
import type { WeeklyReport, WeeklyReportData } from '../src/metrics/weekly-report';
import type { SupportPolicy } from '../src/policy/types';
import type { Mailer } from './email';
import type { SlackGateway } from './slack';

/** Reporting activities: they read Temporal visibility, so they need the worker process's client. */
export function reportActivities(deps: {
  temporal?: Client;
  mailer?: Mailer;
  slack?: SlackGateway;
  fontFile?: string;
}) {
  const temporal = () => {
    if (!deps.temporal)
      throw ApplicationFailure.nonRetryable('this worker has no Temporal client for reports', 'ReportsNotConfigured');
    return deps.temporal;
  };
  return {
    /** Facts of the cases closed in [from, to), from their search attributes (report runs started before charts). */
    async collectClosedCaseFacts(input: { from: string; to: string }): Promise<CaseFacts[]> {
      return closedCaseFacts(temporal(), new Date(input.from), new Date(input.to));
    },

    /** The figures, top issues and escalations of [from, to), from visibility counts and two bounded pages. */
    async collectWeeklyReportData(input: {
      policy: SupportPolicy;
      from: string;
      to: string;
    }): Promise<WeeklyReportData> {
      const client = temporal();
      const [from, to] = [Date.parse(input.from), Date.parse(input.to)];
      const count = visibilityCounter(client);
      const [figures, issues, escalations] = await Promise.all([
        periodFigures(input.policy, count, from, to),
        topIssues(client, input.policy, count, from, to),
        escalationLines(client, from, to),
      ]);
      return { figures, topIssues: issues, escalations };
    },

    /**
     * E-mails the report with its charts inline (cid: images). The Message-ID is the key, so a
     * retried send is recognisable as the same mail.
     */
    async sendWeeklyReportEmail(input: {
      key: string;
      to: string;
      report: WeeklyReport;
    }): Promise<{ messageId: string }> {
      if (!deps.mailer) throw ApplicationFailure.nonRetryable('this worker has no mailer', 'ReportsNotConfigured');
      const charts = await renderReportCharts(input.report, deps.fontFile);
      return deps.mailer.send({
        to: input.to,
        subject: `EduStream Support weekly report ${input.report.week}`,
        text: input.report.text,
        html: reportHtml(input.report, charts),
        messageId: `<${input.key.replace(/[^A-Za-z0-9.:_-]/g, '-')}@support.edustream.local>`,
        headers: { 'X-Case-Id': `weekly-report-${input.report.week}`, 'X-Notice': 'weekly_report' },
        attachments: charts.map((c) => ({
          filename: `${c.name}-${input.report.week}.png`,
          content: c.png,
          contentType: 'image/png',
          cid: c.cid,
        })),
      });
    },

    /** Posts the report's summary to Slack and shares the charts as PNG files next to it. */
    async postWeeklyReportToSlack(input: {
      channel: string;
      report: WeeklyReport;
    }): Promise<{ ts: string; files: string[] }> {
      if (!deps.slack) throw ApplicationFailure.nonRetryable('this worker has no Slack client', 'ReportsNotConfigured');
      const posted = await deps.slack.postMessage(input.channel, '```\n' + input.report.text + '\n```');
      const files: string[] = [];
      if (deps.slack.uploadFile) {
        for (const c of await renderReportCharts(input.report, deps.fontFile)) {
          const { fileId } = await deps.slack.uploadFile({
            channel: posted.channel,
            filename: `${c.name}-${input.report.week}.png`,
            title: c.title,
            bytes: c.png,
            comment: `${c.title} (${input.report.week})`,
          });
          files.push(fileId);
        }
      }
      return { ts: posted.ts, files };
    },
  };
}
