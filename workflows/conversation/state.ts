// What the conversation adds to a case: every message the customer wrote and every reply an agent
// sent, with author, channel, time and delivery state. The text is personal data: it travels only
// in payloads (encrypted by the codec), never in logs, search attributes, Slack or PagerDuty.
import type { Actor } from '../case/state';
import type { Channel } from '../../src/policy/types';

/** A file that came with a message, stored outside history (`ref` names the stored copy). */
export interface AttachmentRef {
  name: string;
  size: number;
  type: string;
  ref: string;
}

/** One message of the thread. */
export interface MessageRecord {
  /** 1, 2, 3 ... on the case, across continue-as-new. */
  n: number;
  author: { kind: 'customer' | 'agent' | 'system'; name: string; id?: string };
  /** Where it was written or where it goes: e-mail, the chat page, the in-app widget. */
  channel: Channel;
  at: string;
  text: string;
  /** The HTML of an e-mail, as received or as sent. */
  html?: string;
  subject?: string;
  /** RFC 5322 Message-ID of an e-mail (received, or ours as sent). */
  messageId?: string;
  inReplyTo?: string;
  attachments?: AttachmentRef[];
  /** An auto-reply or bounce: recorded, never answered, never reopens the case. */
  automatic?: 'auto_reply' | 'bounce';
  /**
   * received: a customer's message. posted: an agent's reply shown on the chat page / in-app.
   * queued, sent, failed: an agent's reply by e-mail, as the outbox delivered it (`emailN`).
   */
  delivery: 'received' | 'posted' | 'queued' | 'sent' | 'failed';
  /** The case e-mail that carries an agent's reply. */
  emailN?: number;
}

/** The conversation's part of the case view: how many messages, and the last few. */
export interface ConversationSlice {
  messages?: { count: number; recent: MessageRecord[] };
}

/** What the conversation carries across continue-as-new: the newest messages (bounded). */
export interface ConversationState {
  messages: MessageRecord[];
  next: number;
}

/** Who wrote a message, from the actor of an action. */
export const authorOf = (a: Actor): MessageRecord['author'] => ({
  kind: a.role === 'customer' ? 'customer' : a.role === 'system' ? 'system' : 'agent',
  name: a.name,
  ...(a.role === 'customer' || a.role === 'system' ? {} : { id: a.id }),
});
