import nodemailer from 'nodemailer';
import type { Mailer } from '../../activities/email';

/** A Mailer over nodemailer's SMTP transport. */
export function createSmtpMailer(opts: { smtpUrl: string; from: string }): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(opts.smtpUrl);
  return {
    async send(msg) {
      const info = await transport.sendMail({ from: opts.from, ...msg });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
