// Telling approvers and agents about compensation: the approval request in Slack with Approve and
// Reject buttons, the same request e-mailed to the tier's contact, and notices to the approvals
// channel (reminders, escalations, expiry, failed payments).
import {
  verifyApprovalDecision,
  type ApprovalClaim,
  type ApprovalSignatureRefusal,
} from '../src/security/approval-signature';
import type { Mailer } from './email';
import type { SlackBlock, SlackGateway } from './slack';

/** Where approval requests go in Slack. */
export interface ApprovalNoticeDeps {
  slack: SlackGateway;
  /** Channel id or name of the approvals channel. */
  channel: string;
  /** Base URL a case id is appended to in links. */
  caseLinkBase: string;
}

/** An approval request, as Slack and the e-mail show it. */
export interface ApprovalRequestNotice {
  caseId: string;
  approvalId: string;
  /** 'request', or 'reminder' / 'escalation' for a repeat. */
  kind: 'request' | 'reminder' | 'escalation';
  tierLabel: string;
  amountCents: number;
  amountText: string;
  lines: string[];
  proposedBy: string;
  guideline: string;
  reason?: string;
  expiresAt: string;
}

/** What the Approve and Reject buttons carry: the request and the amount the click approves. */
export interface ApprovalButtonValue {
  approvalId: string;
  amountCents: number;
}

// Agent wording reaches Slack; unescaped it could ping <!channel> or forge links.
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const link = (base: string, caseId: string) => `${base.replace(/\/+$/, '')}/${encodeURIComponent(caseId)}`;

const HEADING: Record<ApprovalRequestNotice['kind'], string> = {
  request: 'Approval needed',
  reminder: 'Reminder: approval still needed',
  escalation: 'Escalated: approval needed',
};

/** The request's text (Slack mrkdwn and the e-mail body share it). */
export function approvalText(n: ApprovalRequestNotice, caseUrl: string): string {
  return [
    `${HEADING[n.kind]} (${n.tierLabel}): compensation of ${n.amountText} on case ${n.caseId}`,
    ...n.lines.map((l) => `- ${l}`),
    `Proposed by ${n.proposedBy} (${n.guideline}${n.reason ? `: ${n.reason}` : ''})`,
    `Approval ${n.approvalId}; expires ${n.expiresAt}`,
    caseUrl,
  ].join('\n');
}

/** Block Kit for the request, with Approve and Reject buttons whose value names the amount. */
export function approvalBlocks(n: ApprovalRequestNotice, caseUrl: string): SlackBlock[] {
  const value = JSON.stringify({ approvalId: n.approvalId, amountCents: n.amountCents } satisfies ApprovalButtonValue);
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${HEADING[n.kind]}* (${esc(n.tierLabel)}): ${esc(n.amountText)} on <${caseUrl}|${esc(n.caseId)}>`,
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          ...n.lines.map((l) => `• ${esc(l)}`),
          `Proposed by ${esc(n.proposedBy)} · ${esc(n.guideline)}${n.reason ? `: ${esc(n.reason)}` : ''}`,
        ].join('\n'),
      },
    },
    {
      type: 'actions',
      block_id: `approval:${n.approvalId}`,
      elements: [
        {
          type: 'button',
          action_id: 'approval_approve',
          style: 'primary',
          value,
          text: { type: 'plain_text', text: `Approve ${n.amountText}` },
        },
        {
          type: 'button',
          action_id: 'approval_reject',
          style: 'danger',
          value,
          text: { type: 'plain_text', text: 'Reject' },
        },
      ],
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Approval ${esc(n.approvalId)} · expires ${esc(n.expiresAt)}` }],
    },
  ];
}

export function approvalActivities(deps: { mailer: Mailer; approvalSigningSecret: string } & ApprovalNoticeDeps) {
  const caseUrl = (caseId: string) => link(deps.caseLinkBase, caseId);
  return {
    /**
     * Checks the product's signature on a decision and its expiry by this process's clock. An
     * activity because the secret must never be in workflow code or history; cheap and pure.
     */
    async verifyApprovalDecision(input: {
      claim: ApprovalClaim;
      signature?: string;
    }): Promise<{ ok: boolean; reason?: ApprovalSignatureRefusal }> {
      return verifyApprovalDecision(deps.approvalSigningSecret, input.claim, input.signature, Date.now());
    },

    /** Posts an approval request (or its reminder/escalation) to the approvals channel with Approve and Reject buttons. */
    async postApprovalRequest(input: ApprovalRequestNotice): Promise<{ channel: string; ts: string }> {
      const url = caseUrl(input.caseId);
      return deps.slack.postMessage(deps.channel, approvalText(input, url), approvalBlocks(input, url));
    },

    /** Posts a plain notice about a compensation to the approvals channel (the agent is named in it). */
    async postCompensationNotice(input: { caseId: string; text: string }): Promise<{ channel: string; ts: string }> {
      return deps.slack.postMessage(deps.channel, `${esc(input.text)} <${caseUrl(input.caseId)}|${esc(input.caseId)}>`);
    },

    /** E-mails an approval request to the tier's contact; the Message-ID makes a retried send the same mail. */
    async emailApprovalRequest(
      input: ApprovalRequestNotice & { to: string; revision: number },
    ): Promise<{ messageId: string }> {
      const text = approvalText(input, caseUrl(input.caseId));
      const html = `<!doctype html>\n<html><body style="font-family: sans-serif"><pre>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre></body></html>`;
      return deps.mailer.send({
        to: input.to,
        subject: `${HEADING[input.kind]}: ${input.amountText} compensation [${input.caseId}]`,
        text,
        html,
        messageId: `<approval-${input.approvalId}.r${input.revision}.${input.kind}@support.edustream.local>`,
        headers: {
          'X-Case-Id': input.caseId,
          'X-Approval-Id': input.approvalId,
          'X-Template-Id': `approval_${input.kind}`,
        },
      });
    },
  };
}
