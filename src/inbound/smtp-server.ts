// The inbound SMTP server: customers' mail for SUPPORT_ADDRESS, parsed with mailparser and handed
// to the one intake (deliver.ts). RCPT to any other address is refused (550), so it relays
// nothing. The 250 comes only once the message is durably in Temporal (signal sent, case started)
// or kept as rejected on disk; a Temporal outage answers 451 and the sending server retries.
//
// `npm start` runs it on 127.0.0.1:2526 without authentication (loopback, development). A
// deployment may run it as its MX too (INBOUND_SMTP_HOST/PORT; mail exchangers do not authenticate
// senders, and it accepts mail for one address only), or receive mail through Brevo's inbound
// parsing webhook instead (POST /inbound/email/brevo), which is what production does (README).
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import { receiveSmtpData, smtpError } from './smtp-data';
import { PLACE_TIMEOUT_MS, within, type IntakeOutcome, type Intake } from './deliver';
import type { InboundMessage } from './message';

/** Largest message accepted (attachments above INBOUND_MAX_ATTACHMENT_BYTES are listed, not stored). */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/** Options of the inbound SMTP server. */
export interface InboundSmtpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The one address mail is accepted for. */
  supportAddress: string;
  intake: Pick<Intake, 'deliver' | 'reject'>;
  maxMessageBytes?: number;
  /** How long placing a message may take before the answer is 451 (default PLACE_TIMEOUT_MS). */
  placeTimeoutMs?: number;
  /** One line per message, with no personal data (outcome and case id only). */
  log?: (line: string) => void;
}

/** A running inbound SMTP server. */
export interface InboundSmtpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function headerToString(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => headerToString(v)).join(', ');
  if (value && typeof value === 'object' && 'text' in value) return (value as AddressObject).text;
  const v = value as { value?: string; params?: Record<string, string> };
  const params = Object.entries(v.params ?? {})
    .map(([k, p]) => `; ${k}=${p}`)
    .join('');
  return `${v.value ?? ''}${params}`;
}

const firstAddress = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a[0] : a)?.value.find((v) => v.address) ?? (Array.isArray(a) ? a[0] : a)?.value[0];

/** A parsed MIME message and its SMTP envelope as intake's message. */
export function messageFromMime(parsed: ParsedMail, envelope: { mailFrom?: string; rcptTo: string[] }): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of parsed.headers) headers[name.toLowerCase()] = headerToString(value);
  const from = firstAddress(parsed.from);
  const refs =
    parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
  return {
    via: 'smtp',
    from: {
      ...(from?.address ? { address: from.address.toLowerCase() } : {}),
      ...(from?.name ? { name: from.name } : {}),
    },
    ...(envelope.mailFrom !== undefined ? { envelopeFrom: envelope.mailFrom.toLowerCase() } : {}),
    to: envelope.rcptTo.map((r) => r.toLowerCase()),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    ...(typeof parsed.html === 'string' && parsed.html ? { html: parsed.html } : {}),
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo.trim() } : {}),
    references: refs.flatMap((r) => r.match(/<[^<>\s]+>/g) ?? []),
    headers,
    attachments: parsed.attachments.map((a) => ({
      name: a.filename ?? 'attachment',
      type: a.contentType ?? 'application/octet-stream',
      size: a.size ?? a.content.length,
      content: a.content,
    })),
    ...(parsed.date ? { date: parsed.date.toISOString() } : {}),
  };
}

const describeOutcome = (o: IntakeOutcome) =>
  o.outcome === 'rejected' ? `kept as rejected (${o.id}): ${o.reason}` : `${o.outcome} ${o.caseId}`;

/** Starts the inbound SMTP server. */
export async function startInboundSmtp(opts: InboundSmtpOptions): Promise<InboundSmtpServer> {
  const log = opts.log ?? (() => undefined);
  const max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const support = opts.supportAddress.toLowerCase();

  const onRcptTo = (address: SMTPServerAddress, _s: SMTPServerSession, cb: (err?: Error | null) => void) => {
    if (address.address.trim().toLowerCase() === support) return cb();
    cb(smtpError(`5.1.1 <${address.address}>: no such mailbox here (only ${support} receives mail)`, 550));
  };

  const place = async (raw: Buffer, session: SMTPServerSession): Promise<IntakeOutcome> => {
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw);
    } catch (err) {
      return opts.intake.reject('smtp', raw, `the message could not be parsed: ${(err as Error).message}`);
    }
    const mailFrom = session.envelope.mailFrom;
    const msg = messageFromMime(parsed, {
      ...(mailFrom ? { mailFrom: mailFrom.address } : {}),
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    });
    return opts.intake.deliver(msg, raw);
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void => {
    receiveSmtpData(
      stream,
      max,
      callback,
      async (raw) => {
        const outcome = await within(place(raw, session), opts.placeTimeoutMs ?? PLACE_TIMEOUT_MS);
        log(`inbound-smtp: ${describeOutcome(outcome)}`);
        return `2.0.0 ${outcome.outcome === 'rejected' ? 'kept for review' : `case ${outcome.caseId}`}`;
      },
      (err) => {
        // Not durably anywhere yet: the sender keeps it and tries again later.
        log(`inbound-smtp: deferred (451): ${(err as Error).message}`);
        return smtpError('4.3.0 the support system is unavailable, try again later', 451);
      },
    );
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: max,
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 1000,
    banner: 'EduStream Support inbound mail',
    onRcptTo,
    onData,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err: Error) => log(`inbound-smtp: server error: ${err.message}`));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('inbound-smtp: the server has no TCP address');
  return {
    host: opts.host,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
