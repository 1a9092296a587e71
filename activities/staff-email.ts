import type { Mailer } from './email';

/** An internal notice to staff (support lead, engineering contacts), not a customer e-mail. */
export interface StaffEmailInput {
  /** Business idempotency key, e.g. `case-<id>:clock-first_response:breach`; also the Message-ID. */
  key: string;
  caseId: string;
  /** What kind of notice, for filters and tests (`sla_warning`, `sla_breach`, `escalation_rung`...). */
  kind: string;
  to: string;
  subject: string;
  text: string;
}

/** E-mail to staff over the same mailer as case e-mails. */
export function staffEmailActivities(deps: { mailer: Mailer }) {
  return {
    /**
     * Sends one staff notice. The Message-ID is the notice's key, so a retried send is recognisable
     * as the same mail (SMTP has no idempotency; mail filters fold duplicates by Message-ID).
     */
    async sendStaffEmail(input: StaffEmailInput): Promise<{ messageId: string }> {
      const id = input.key.replace(/[^A-Za-z0-9.:_-]/g, '-');
      const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return deps.mailer.send({
        to: input.to,
        subject: input.subject.replace(/[\r\n]+/g, ' '),
        text: input.text,
        html: `<!doctype html>\n<html><body style="font-family: sans-serif"><pre style="font-family: inherit; white-space: pre-wrap">${escape(input.text)}</pre></body></html>`,
        messageId: `<${id}@support.edustream.local>`,
        headers: { 'X-Case-Id': input.caseId, 'X-Notice': input.kind },
      });
    },
  };
}
