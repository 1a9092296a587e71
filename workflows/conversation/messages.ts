// Pure functions of the conversation: the first message of a case and how messages are shown.
// The workflow and the API's opening view (workflows/case/opening.ts) both use them.
import type { CaseInput } from '../case/contract';
import type { CaseView } from '../case-view';
import { CONVERSATION_LIMITS } from './contract';
import type { MessageRecord } from './state';

/** The customer's first message: the description the case was opened with (and, from e-mail intake, its e-mail). */
export function firstMessage(input: CaseInput, openedAt: string): MessageRecord {
  const mail = input.inbound;
  return {
    n: 1,
    author: { kind: 'customer', name: input.customer.name },
    channel: input.channel,
    at: openedAt,
    text: input.description,
    ...(mail?.html ? { html: mail.html } : {}),
    subject: input.subject,
    ...(mail?.messageId ? { messageId: mail.messageId } : {}),
    ...(mail?.references?.length ? { inReplyTo: mail.references.at(-1) } : {}),
    ...(mail?.attachments?.length ? { attachments: mail.attachments } : {}),
    delivery: 'received',
  };
}

/** A message as the view and the thread show it: an e-mail reply's delivery from its e-mail. */
export function shownMessage(m: MessageRecord, view: Pick<CaseView, 'emails'>): MessageRecord {
  if (m.emailN === undefined) return m;
  const e = view.emails[m.emailN - 1];
  if (!e) return m;
  return { ...m, delivery: e.status, ...(e.messageId ? { messageId: e.messageId } : {}) };
}

/** The view's slice: the count and the last few messages. */
export function conversationSlice(messages: MessageRecord[], count: number, view: Pick<CaseView, 'emails'>) {
  return { count, recent: messages.slice(-CONVERSATION_LIMITS.recent).map((m) => shownMessage(m, view)) };
}
