// Intake of inbound e-mail, as pure decisions: is it an auto-reply or a bounce, which case does it
// answer (our Message-IDs in In-Reply-To/References, or the [ES-...] reference in the subject),
// and what does it become (a customerReply signal, a new case's input, or a message kept as
// rejected). deliver.ts acts on these decisions through the Temporal client.
import { createHash } from 'node:crypto';
import { CASE_ID_PATTERN, type Actor, type AttachmentRef, type CustomerReplyInput } from '../../workflows/contracts';
import type { NewCase } from '../api/open-case';
import type { InboundMessage } from './message';

/** Who opens a case from an inbound e-mail, in its timeline. */
export const EMAIL_INTAKE_ACTOR: Actor = { id: 'email-intake', name: 'E-mail intake', role: 'system' };

/** The limits of a customerReply signal (src/policy/signal-checks.ts) and of a case's subject. */
export const LIMITS = { text: 100_000, html: 500_000, subject: 200, header: 1_000, references: 50 } as const;

/** Our outbound case e-mails' Message-ID (activities/email.ts): `<case-ES-XXXX.mail-N@support.edustream.local>`. */
const OUR_MESSAGE_ID = /^<?case-(ES-[A-Z0-9]{6,20})\.mail-\d+@support\.edustream\.local>?$/i;
/** The case reference our templates put in subjects: `[ES-XXXXXXXXXX]`. */
const SUBJECT_REF = /\[(ES-[A-Z0-9]{6,20})\]/;
/** Subjects of out-of-office and other automatic replies, in the languages our customers write in. */
const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|ooo\b|on (vacation|holiday|leave)|abwesenheit|absence|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|autosvar|automatisch antwoord|away from (the )?office)/i;
/** Senders of bounces. */
const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
/** A plausible mailbox: what a case's customer e-mail must be. */
const MAILBOX = /^[^\s@<>",;]{1,64}@[^\s@<>",;]{1,190}\.[^\s@<>",;.]{1,63}$/;

/** An auto-reply or a bounce, and why intake thinks so. */
export interface Automatic {
  kind: 'auto_reply' | 'bounce';
  reason: string;
}

/**
 * Whether a message was sent by a machine on its own (RFC 3834 Auto-Submitted, Precedence,
 * X-Autoreply / X-Autorespond, out-of-office subjects), is a bounce (a null or MAILER-DAEMON
 * sender, a delivery-status report), or comes from our own address (a loop). Null: a person wrote it.
 */
export function automaticKind(msg: InboundMessage, supportAddress: string): Automatic | null {
  const h = msg.headers;
  const from = (msg.from.address ?? '').toLowerCase();
  if (msg.envelopeFrom === '') return { kind: 'bounce', reason: 'null sender (MAIL FROM:<>)' };
  if (BOUNCE_SENDER.test(from) || BOUNCE_SENDER.test(msg.envelopeFrom ?? ''))
    return { kind: 'bounce', reason: `sent by ${from || msg.envelopeFrom}` };
  const type = (h['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/report') && type.includes('delivery-status'))
    return { kind: 'bounce', reason: 'a delivery status report' };
  if (from && from === supportAddress.toLowerCase()) return { kind: 'auto_reply', reason: 'sent from our own address' };
  const submitted = (h['auto-submitted'] ?? '').split(';')[0].trim().toLowerCase();
  if (submitted && submitted !== 'no') return { kind: 'auto_reply', reason: `Auto-Submitted: ${submitted}` };
  const precedence = (h['precedence'] ?? '').trim().toLowerCase();
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(precedence))
    return { kind: 'auto_reply', reason: `Precedence: ${precedence}` };
  if (h['x-autoreply'] !== undefined) return { kind: 'auto_reply', reason: 'X-Autoreply' };
  if (h['x-autorespond'] !== undefined) return { kind: 'auto_reply', reason: 'X-Autorespond' };
  if (AUTO_REPLY_SUBJECT.test(msg.subject)) return { kind: 'auto_reply', reason: 'an out-of-office subject' };
  return null;
}

/** The case a message answers, and how intake knows. */
export interface Threading {
  caseId: string;
  how: 'in-reply-to' | 'references' | 'subject';
}

/** The case named by one of our Message-IDs; undefined for anyone else's. */
export function caseOfMessageId(id: string | undefined): string | undefined {
  const m = id ? OUR_MESSAGE_ID.exec(id.trim()) : null;
  const caseId = m?.[1].toUpperCase();
  return caseId && CASE_ID_PATTERN.test(caseId) ? caseId : undefined;
}

/**
 * The case a message answers: In-Reply-To naming one of our e-mails, then References (newest
 * first), then the `[ES-...]` reference in the subject. Null: it answers no case of ours.
 */
export function threadedCaseId(msg: Pick<InboundMessage, 'inReplyTo' | 'references' | 'subject'>): Threading | null {
  const direct = caseOfMessageId(msg.inReplyTo);
  if (direct) return { caseId: direct, how: 'in-reply-to' };
  for (const ref of [...msg.references].reverse()) {
    const caseId = caseOfMessageId(ref);
    if (caseId) return { caseId, how: 'references' };
  }
  const s = SUBJECT_REF.exec(msg.subject.toUpperCase());
  if (s && CASE_ID_PATTERN.test(s[1])) return { caseId: s[1], how: 'subject' };
  return null;
}

/**
 * The message's identity for idempotency: its Message-ID, or (without one) a digest of sender,
 * date, subject and text, so a redelivery of the same message is the same message.
 */
export function messageKey(msg: InboundMessage): string {
  const id = msg.messageId?.trim();
  if (id && id.length <= 500) return id;
  const digest = createHash('sha256')
    .update([msg.from.address ?? '', msg.date ?? '', msg.subject, msg.text, id ?? ''].join('\u0000'))
    .digest('hex');
  return `sha256:${digest}`;
}

/** The idempotency key of the customerReply signal a message becomes: the case ignores a repeat. */
export const replyIdempotencyKey = (msg: InboundMessage) => `inbound:${messageKey(msg)}`;

/** The customer of a new case, from the From header; null when it names no mailbox we can answer. */
export function senderOf(msg: InboundMessage): { name: string; email: string } | null {
  const email = (msg.from.address ?? '').trim().toLowerCase();
  if (!MAILBOX.test(email) || email.length > 254) return null;
  const name = (msg.from.name ?? '').replace(/[\r\n\t]+/g, ' ').trim() || email.split('@')[0];
  return { name: name.slice(0, 200), email };
}

/** What intake does with a message. */
export type Decision =
  /** A customerReply signal to the case it answers (recorded as `automatic` for auto-replies and bounces). */
  | { action: 'reply'; caseId: string; how: Threading['how']; automatic?: Automatic }
  /** A new e-mail case. */
  | { action: 'open' }
  /** Kept as rejected, for a person to look at: it opens nothing and answers nobody. */
  | { action: 'reject'; reason: string };

/**
 * The decision for a message: a reply to the case it names, a new case, or (automatic mail that
 * answers no case, a message without a sender we could answer) kept as rejected. Automatic mail
 * never opens a case, so two auto-responders can never answer each other through us.
 */
export function decide(msg: InboundMessage, supportAddress: string): Decision {
  const automatic = automaticKind(msg, supportAddress);
  const thread = threadedCaseId(msg);
  if (thread) return { action: 'reply', ...thread, ...(automatic ? { automatic } : {}) };
  if (automatic)
    return {
      action: 'reject',
      reason: `${automatic.kind.replace('_', '-')} (${automatic.reason}) that answers no case`,
    };
  if (!senderOf(msg)) return { action: 'reject', reason: 'no sender address a case could answer' };
  return { action: 'open' };
}

/** What happens when the case a reply names has finished: a person's message opens a new case; an automatic one is kept. */
export function afterFinishedCase(decision: Extract<Decision, { action: 'reply' }>, msg: InboundMessage): Decision {
  if (decision.automatic)
    return {
      action: 'reject',
      reason: `${decision.automatic.kind.replace('_', '-')} to case ${decision.caseId}, which has finished`,
    };
  return senderOf(msg)
    ? { action: 'open' }
    : { action: 'reject', reason: `a reply to case ${decision.caseId}, which has finished, without a sender address` };
}

/** A message's text: the plain part, else its HTML as text; never empty. */
export function textOf(msg: Pick<InboundMessage, 'text' | 'html' | 'attachments'>): string {
  let text = msg.text.replace(/\r\n/g, '\n').trim();
  if (!text && msg.html) text = htmlToText(msg.html);
  if (!text) text = msg.attachments.length ? `(no text; ${msg.attachments.length} attachment(s))` : '(no text)';
  return text.length > LIMITS.text ? `${text.slice(0, LIMITS.text - 20)}\n[... truncated]` : text;
}

/** A rough plain text of an HTML body (for messages without a text part). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const header = (v: string | undefined) => (v && v.length <= LIMITS.header ? v.trim() : undefined);
/** The References worth keeping: the newest, each within the signal's limits. */
const referencesOf = (msg: InboundMessage) =>
  msg.references.filter((r) => r.length <= LIMITS.header).slice(-LIMITS.references);
/** The HTML, when it fits in a signal (the text always goes). */
const htmlOf = (msg: InboundMessage) => (msg.html && msg.html.length <= LIMITS.html ? msg.html : undefined);

/** The customerReply signal a message becomes on the case it answers. */
export function customerReplyOf(
  msg: InboundMessage,
  attachments: AttachmentRef[],
  automatic?: Automatic,
): CustomerReplyInput {
  const html = htmlOf(msg);
  const messageId = header(msg.messageId);
  const inReplyTo = header(msg.inReplyTo);
  const references = referencesOf(msg);
  return {
    idempotencyKey: replyIdempotencyKey(msg),
    message: textOf(msg),
    via: 'email',
    ...(html ? { html } : {}),
    ...(msg.subject ? { subject: msg.subject.slice(0, LIMITS.header) } : {}),
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length ? { references } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(automatic ? { automatic: automatic.kind } : {}),
  };
}

/** The case id a message opens: derived from the message, so a redelivery opens nothing new. */
export const caseKeyOf = (msg: InboundMessage) => ({ caller: 'inbound-email', key: messageKey(msg) });

/** The input of the case a message opens. */
export function newCaseInputOf(
  msg: InboundMessage,
  opts: {
    caseId: string;
    attachments: AttachmentRef[];
    openedAt: string;
  },
): NewCase {
  const customer = senderOf(msg);
  if (!customer) throw new Error('a message without a sender opens no case');
  const html = htmlOf(msg);
  const messageId = header(msg.messageId) ?? `<${messageKey(msg)}@inbound.invalid>`;
  const references = [...referencesOf(msg), ...(header(msg.inReplyTo) ? [header(msg.inReplyTo)!] : [])].filter(
    (r, i, all) => all.indexOf(r) === i,
  );
  const subject = msg.subject.replace(/[\r\n]+/g, ' ').trim() || '(no subject)';
  return {
    caseId: opts.caseId,
    channel: 'email',
    customer,
    subject: subject.length > LIMITS.subject ? `${subject.slice(0, LIMITS.subject - 3)}...` : subject,
    description: textOf(msg),
    openedBy: EMAIL_INTAKE_ACTOR,
    openedAt: opts.openedAt,
    inbound: {
      messageId,
      ...(references.length ? { references } : {}),
      ...(html ? { html } : {}),
      ...(opts.attachments.length ? { attachments: opts.attachments } : {}),
    },
  };
}
