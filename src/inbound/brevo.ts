// Brevo's inbound parsing webhook (https://developers.brevo.com/docs/inbound-parse-webhooks): Brevo
// receives the mail for the receiving domain (its MX), parses it and POSTs `{ items: [...] }`, one
// item per e-mail. This maps an item to the InboundMessage intake takes. Attachments arrive as
// download tokens, not bytes: fetching one is GET https://api.brevo.com/v3/inbound/attachments/{token}
// with the account's API key, which this product does not hold; the token is kept as the ref.
import type { InboundMessage } from './message';

type Text = string | null | undefined;
type Address = { Name?: Text; Address?: Text } | null | undefined;

/** One item of Brevo's payload, as the route's schema (src/api/schemas.ts brevoInboundItem) admits it. */
export interface BrevoItem {
  Uuid?: string[] | string | null;
  MessageId?: Text;
  InReplyTo?: Text;
  From?: Address;
  To?: Address[] | null;
  Subject?: Text;
  RawHtmlBody?: Text;
  RawTextBody?: Text;
  ExtractedMarkdownMessage?: Text;
  SentAtDate?: Text;
  Attachments?:
    { Name?: Text; ContentType?: Text; ContentLength?: number | null; ContentID?: Text; DownloadToken?: Text }[] | null;
  Headers?: Record<string, string | string[]> | null;
}

/** A Message-ID as headers carry it, with its angle brackets. */
export function bracketed(id: Text): string | undefined {
  const t = (id ?? '').trim();
  if (!t) return undefined;
  return t.startsWith('<') ? t : `<${t}>`;
}

/** The Message-IDs of a References (or In-Reply-To) header. */
export function messageIdsOf(value: string | undefined): string[] {
  return (value ?? '').match(/<[^<>\s]+>/g) ?? [];
}

/**
 * An item as intake's message. The text is Brevo's extracted message (what the customer wrote this
 * time, without the quoted thread and signature), else the raw text part; the HTML is the raw HTML.
 */
export function brevoMessage(item: BrevoItem): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(item.Headers ?? {}))
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  const returnPath = headers['return-path']?.trim();
  const date = item.SentAtDate ? new Date(item.SentAtDate) : undefined;
  const extracted = item.ExtractedMarkdownMessage?.trim();
  return {
    via: 'brevo',
    from: {
      ...(item.From?.Address ? { address: item.From.Address.trim().toLowerCase() } : {}),
      ...(item.From?.Name ? { name: item.From.Name } : {}),
    },
    // Return-Path: <> is the null sender of a bounce.
    ...(returnPath !== undefined ? { envelopeFrom: returnPath.replace(/^<|>$/g, '').toLowerCase() } : {}),
    to: (item.To ?? []).map((a) => (a?.Address ?? '').toLowerCase()).filter(Boolean),
    subject: item.Subject ?? headers['subject'] ?? '',
    text: extracted || item.RawTextBody || '',
    ...(item.RawHtmlBody ? { html: item.RawHtmlBody } : {}),
    ...(bracketed(item.MessageId ?? headers['message-id'])
      ? { messageId: bracketed(item.MessageId ?? headers['message-id']) }
      : {}),
    ...(bracketed(item.InReplyTo ?? headers['in-reply-to'])
      ? { inReplyTo: bracketed(item.InReplyTo ?? headers['in-reply-to']) }
      : {}),
    references: messageIdsOf(headers['references']),
    headers,
    attachments: (item.Attachments ?? []).map((a) => ({
      name: a.Name ?? 'attachment',
      type: a.ContentType ?? 'application/octet-stream',
      size: a.ContentLength ?? 0,
      ...(a.DownloadToken ? { brevoDownloadToken: a.DownloadToken } : {}),
    })),
    ...(date && !Number.isNaN(date.getTime()) ? { date: date.toISOString() } : {}),
  };
}
