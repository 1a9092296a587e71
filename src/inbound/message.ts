// An inbound e-mail as intake sees it, whichever way it came in (our SMTP server, parsed with
// mailparser, or Brevo's inbound parsing webhook). Nothing here has been judged yet.

/** A file that came with an inbound e-mail: its bytes (SMTP), or Brevo's download token. */
export interface InboundAttachment {
  name: string;
  type: string;
  size: number;
  /** The bytes, when the message carried them (SMTP). */
  content?: Buffer;
  /** Brevo's download token: the file stays at Brevo (GET /v3/inbound/attachments/{token}, with the API key). */
  brevoDownloadToken?: string;
}

/** One inbound e-mail. */
export interface InboundMessage {
  /** The way in: our SMTP server or Brevo's webhook. */
  via: 'smtp' | 'brevo';
  /** The From header's address (lower-case) and display name. */
  from: { address?: string; name?: string };
  /** The envelope sender (SMTP MAIL FROM), lower-case; '' is the null sender of bounces. Unknown: undefined. */
  envelopeFrom?: string;
  /** Recipients (envelope RCPT TO for SMTP, the To header for Brevo), lower-case. */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** Message-ID with its angle brackets, as the header has it. */
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  attachments: InboundAttachment[];
  /** The Date header (ISO), when it parsed. */
  date?: string;
}
