import { Context } from '@temporalio/activity';
import type { Severity } from '../src/policy/types';
import type { Deployment } from '../workflows/deployments/contract';

/** A Block Kit block, handed to Slack as is. */
export type SlackBlock = { type: string } & Record<string, unknown>;

/** The narrow slice of Slack the case activities need; src/integrations/slack-client.ts implements it. */
export interface SlackGateway {
  /** Posts a message; a refusal Slack will repeat (bad channel, bad token) throws a non-retryable failure. */
  postMessage(
    channel: string,
    text: string,
    blocks?: SlackBlock[],
    threadTs?: string,
  ): Promise<{ ts: string; channel: string }>;
  /** The workspace member with this e-mail, or null when there is none. */
  userIdByEmail(email: string): Promise<string | null>;
  /** Shares a file in a channel with a comment (files.uploadV2: getUploadURLExternal, upload, completeUploadExternal). */
  uploadFile?(input: {
    channel: string;
    filename: string;
    title: string;
    bytes: Buffer;
    comment?: string;
  }): Promise<{ fileId: string }>;
}

/** Where escalations go and how a case is linked from Slack. */
export interface SlackActivitiesOptions {
  /** Channel id or name of the seed's #support-escalations. */
  escalationsChannel: string;
  /** Base URL a case id is appended to, e.g. https://support.example.com/cases. */
  caseLinkBase: string;
  /**
   * The deploys recorded since an instant, newest first (the deployments log), shown in the
   * escalation post; absent, or failing, the post goes out without them.
   */
  deploymentsSince?: (sinceMs: number) => Promise<Deployment[]>;
}

/** The seed's escalation step 2, "Check known issues and recent deployments": the window shown. */
const RECENT_DEPLOYMENTS_HOURS = 6;
/** At most this many deploys are listed in a post. */
const DEPLOYS_SHOWN = 10;

/** The Acknowledge button's action id; its value is {@link EscalationButtonValue} as JSON. */
export const ESCALATION_ACK_ACTION = 'escalation_ack';
/** The Acknowledge button of an incident's thread; its value is `{ "incidentId" }` as JSON. */
export const INCIDENT_ACK_ACTION = 'incident_ack';
/** What an Acknowledge button names: the case and the escalation. */
export interface EscalationButtonValue {
  caseId: string;
  escalationId: string;
}

/** The fields of the seed's escalation template, plus the case and escalation they belong to. */
export interface PostEscalationInput {
  caseId: string;
  escalationId: string;
  title: string;
  severity: Severity;
  affectedUsers: string;
  issue: string;
  /** One step per entry, or one text with a step per line (existing numbering is replaced). */
  stepsToReproduce: string[] | string;
  userImpact: string;
  whatTried: string;
  /** Overrides the escalations channel (a deployment may route severities apart). */
  channel?: string;
}

/** A ladder rung's Slack notification. */
export interface NotifySlackInput {
  channel: string;
  text: string;
  /** A member or group id (U…, W…, S…), here / channel / everyone, or an e-mail from the contact directory. */
  mention?: string;
}

/** Where a posted message landed, so later rungs can refer to it. */
export interface PostedSlackMessage {
  channel: string;
  ts: string;
}

// Slack's limits: section text 3000, header 150 characters; fields are clipped well inside them.
const FIELD_MAX = 2500;
const HEADER_MAX = 150;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

// Agent and customer wording reaches Slack; unescaped it could ping <!channel> or forge links.
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function field(s: string): string {
  const t = s.trim();
  return t === '' ? '_not given_' : escapeMrkdwn(clip(t, FIELD_MAX));
}

function steps(input: string[] | string): string[] {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input;
  return lines
    .map((l) =>
      l
        .trim()
        .replace(/^(\d+[.)]|[-*•])\s*/, '')
        .trim(),
    )
    .filter((l) => l !== '');
}

/** The case's page, as linked from Slack. */
export function caseLink(caseLinkBase: string, caseId: string): string {
  return `${caseLinkBase.replace(/\/+$/, '')}/${encodeURIComponent(caseId)}`;
}

/** The seed's escalation template as Slack text (mrkdwn: Slack bolds with single asterisks). */
export function escalationText(input: PostEscalationInput, link: string, deploys: Deployment[] = []): string {
  const numbered = steps(input.stepsToReproduce).map((s, i) => `${i + 1}. ${field(s)}`);
  return [
    `🚨 ESCALATION: ${field(input.title)}`,
    '',
    `*Severity*: ${input.severity}`,
    `*Affected Users*: ${field(input.affectedUsers)}`,
    `*Ticket*: ${escapeMrkdwn(input.caseId)}`,
    '',
    `*Issue*: ${field(input.issue)}`,
    '',
    '*Steps to Reproduce*:',
    ...(numbered.length > 0 ? numbered : ['_not given_']),
    '',
    `*User Impact*: ${field(input.userImpact)}`,
    '',
    `*What I've Tried*: ${field(input.whatTried)}`,
    '',
    ...(deploys.length > 0 ? [deploysText(deploys), ''] : []),
    `<${link}|Open case ${escapeMrkdwn(input.caseId)}>`,
  ].join('\n');
}

/** The deploys of the last hours as one mrkdwn paragraph, newest first. */
function deploysText(deploys: Deployment[]): string {
  const lines = deploys.slice(0, DEPLOYS_SHOWN).map((d) => {
    const what = `${escapeMrkdwn(d.service)} ${escapeMrkdwn(d.version)}`;
    const shown = d.link && /^https?:\/\/[^\s|<>]+$/.test(d.link) ? `<${d.link}|${what}>` : what;
    return `• ${shown} at ${d.at.slice(0, 16).replace('T', ' ')} UTC`;
  });
  const more = deploys.length > DEPLOYS_SHOWN ? [`…and ${deploys.length - DEPLOYS_SHOWN} more`] : [];
  return [`*Deploys of the last ${RECENT_DEPLOYMENTS_HOURS} hours*:`, ...lines, ...more].join('\n');
}

/** The same template as Block Kit, with a button to the case and one that acknowledges the escalation. */
export function escalationBlocks(input: PostEscalationInput, link: string, deploys: Deployment[] = []): SlackBlock[] {
  const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
  const numbered = steps(input.stepsToReproduce).map((s, i) => `${i + 1}. ${field(s)}`);
  return [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`🚨 ESCALATION: ${input.title.trim() || input.caseId}`, HEADER_MAX),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Severity*\n${input.severity}`),
        mrkdwn(`*Affected Users*\n${field(input.affectedUsers)}`),
        mrkdwn(`*Ticket*\n<${link}|${escapeMrkdwn(input.caseId)}>`),
      ],
    },
    { type: 'section', text: mrkdwn(`*Issue*\n${field(input.issue)}`) },
    { type: 'section', text: mrkdwn(`*Steps to Reproduce*\n${clip(numbered.join('\n'), FIELD_MAX) || '_not given_'}`) },
    { type: 'section', text: mrkdwn(`*User Impact*\n${field(input.userImpact)}`) },
    { type: 'section', text: mrkdwn(`*What I've Tried*\n${field(input.whatTried)}`) },
    ...(deploys.length > 0 ? [{ type: 'section', text: mrkdwn(clip(deploysText(deploys), FIELD_MAX)) }] : []),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'open_case',
          style: 'primary',
          url: link,
          value: input.caseId,
          text: { type: 'plain_text', text: `Open case ${input.caseId}` },
        },
        {
          // Clicked, Slack POSTs a signed block_actions payload to /slack/interactions, which
          // acknowledges the escalation as the API does (src/api/routes/slack.ts).
          type: 'button',
          action_id: ESCALATION_ACK_ACTION,
          style: 'danger',
          value: JSON.stringify({
            caseId: input.caseId,
            escalationId: input.escalationId,
          } satisfies EscalationButtonValue),
          text: { type: 'plain_text', text: 'Acknowledge' },
        },
      ],
    },
    { type: 'context', elements: [mrkdwn(`Escalation ${escapeMrkdwn(input.escalationId)} · ${input.severity}`)] },
  ];
}

const SPECIAL_MENTIONS = new Set(['here', 'channel', 'everyone']);
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

async function mentionToken(slack: SlackGateway, mention: string): Promise<string> {
  const m = mention.trim().replace(/^@/, '');
  if (SPECIAL_MENTIONS.has(m.toLowerCase())) return `<!${m.toLowerCase()}>`;
  if (/^[UW][A-Z0-9]{2,}$/.test(m)) return `<@${m}>`;
  if (/^S[A-Z0-9]{2,}$/.test(m)) return `<!subteam^${m}>`;
  if (EMAIL.test(m)) {
    const id = await slack.userIdByEmail(m);
    // A contact without a Slack account still gets named; the rung's e-mail reaches them.
    return id ? `<@${id}>` : `@${escapeMrkdwn(m)}`;
  }
  return `@${escapeMrkdwn(m)}`;
}

/** When the case asked for this activity (Temporal's clock: the escalation's instant), else now. */
function scheduledAtMs(): number {
  try {
    return Context.current().info.scheduledTimestampMs;
  } catch {
    return Date.now(); // called outside an activity (tests of the activity functions)
  }
}

/**
 * The deploys of the 6 hours before the case asked for the post or page, or none when the log
 * cannot say within a few seconds (the post matters more).
 */
export async function recentDeploys(opts: Pick<SlackActivitiesOptions, 'deploymentsSince'>): Promise<Deployment[]> {
  if (!opts.deploymentsSince) return [];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      opts.deploymentsSince(scheduledAtMs() - RECENT_DEPLOYMENTS_HOURS * 3_600_000),
      new Promise<Deployment[]>((resolve) => {
        timer = setTimeout(() => resolve([]), 3_000);
      }),
    ]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** Slack activities: the escalation post and ladder-rung notifications. */
export function slackActivities(slack: SlackGateway, opts: SlackActivitiesOptions) {
  return {
    /**
     * Posts the seed's escalation template to the escalations channel with a case link.
     * Slack has no idempotency key, so a retry after a lost response may post twice; the
     * activity is a single call to keep that window small.
     */
    async postEscalation(input: PostEscalationInput): Promise<PostedSlackMessage & { caseLink: string }> {
      const link = caseLink(opts.caseLinkBase, input.caseId);
      const deploys = await recentDeploys(opts);
      const posted = await slack.postMessage(
        input.channel ?? opts.escalationsChannel,
        escalationText(input, link, deploys),
        escalationBlocks(input, link, deploys),
      );
      return { ...posted, caseLink: link };
    },
    /** Notifies a ladder rung in Slack, mentioning its member, group or directory contact. */
    async notifySlack(input: NotifySlackInput): Promise<PostedSlackMessage> {
      const body = escapeMrkdwn(input.text);
      const text = input.mention ? `${await mentionToken(slack, input.mention)} ${body}` : body;
      return slack.postMessage(input.channel, text);
    },
  };
}
