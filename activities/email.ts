import type { RenderedEmail } from '../src/policy/rules';

/** Sends one message; implemented over nodemailer in src/integrations/mailer.ts. */
export interface Mailer {
  send(msg: {
    to: string;
    subject: string;
    text: string;
    html: string;
    messageId: string;
    headers: Record<string, string>;
    /** Inline images (the weekly report's charts), referenced from the HTML as cid:<cid>. */
    attachments?: { filename: string; content: Buffer; contentType: string; cid: string }[];
  }): Promise<{ messageId: string }>;
}

/** A rendered case e-mail and where it goes. */
export interface SendCaseEmailInput {
  caseId: string;
  n: number;
  to: { name: string; email: string };
  email: RenderedEmail;
  /** For the survey e-mail: the activity signs the link, so the secret never enters history. */
  surveyId?: string;
  /** A reply in the customer's thread: In-Reply-To and References of their last message. */
  threading?: { inReplyTo: string; references: string[] };
}

/** Placeholder the workflow leaves in a survey e-mail for the activity to replace with the signed link. */
export const SURVEY_LINK_PLACEHOLDER = '[survey-link]';

export function emailActivities(deps: { mailer: Mailer; csatLink: (caseId: string, surveyId: string) => string }) {
  return {
    /** Sends a case e-mail. The Message-ID is derived from case and sequence so a retried send is recognisable as the same mail. */
    async sendCaseEmail(input: SendCaseEmailInput): Promise<{ messageId: string }> {
      let { text, html } = input.email;
      if (input.surveyId) {
        const link = deps.csatLink(input.caseId, input.surveyId);
        text = text.split(SURVEY_LINK_PLACEHOLDER).join(link);
        html = html.split(SURVEY_LINK_PLACEHOLDER).join(`<a href="${link}">${link}</a>`);
      }
      return deps.mailer.send({
        to: `"${input.to.name.replace(/["\\\r\n]/g, '')}" <${input.to.email}>`,
        subject: input.email.subject,
        text,
        html,
        messageId: `<case-${input.caseId}.mail-${input.n}@support.edustream.local>`,
        headers: {
          'X-Case-Id': input.caseId,
          'X-Template-Id': input.email.templateId,
          ...(input.threading
            ? { 'In-Reply-To': input.threading.inReplyTo, References: input.threading.references.join(' ') }
            : {}),
        },
      });
    },
  };
}
