// The conversation on a case: the customer's first message (the case's description), every later
// message and every agent reply, kept in order with their delivery state and paged by a query.
import { patched, setHandler } from '@temporalio/workflow';
import { describeMinutes } from '../../src/policy/rules';
import type { CaseContext } from '../case/context';
import { CONVERSATION_LIMITS, messagesQuery, type MessagesPage, type MessagesPageInput } from './contract';
import { conversationSlice, firstMessage, shownMessage } from './messages';
import { authorOf, type ConversationState, type MessageRecord } from './state';

/** Guards the acknowledgement a case opened from an inbound e-mail sends (a new activity). */
export const INBOUND_ACK_PATCH = 'inbound-acknowledgement';

/**
 * The acknowledgement of a case opened from a customer's e-mail: its reference number and the
 * e-mail channel's promise, threaded under the customer's message (In-Reply-To and References),
 * so the customer's answers to it thread into the case.
 */
function acknowledgeInboundEmail(ctx: CaseContext): void {
  const { input } = ctx;
  const mail = input.inbound!;
  if (!input.policy.templates.acknowledgement) return; // a policy pinned without the template
  const promise = input.policy.channels.find((c) => c.id === 'email')?.firstResponseMinutes ?? 24 * 60;
  ctx.queueEmail('acknowledgement', { timeframe: describeMinutes(promise) }, undefined, {
    inReplyTo: mail.messageId,
    references: [...(mail.references ?? []).filter((r) => r !== mail.messageId), mail.messageId],
  });
}

/** Installs the conversation on a case. */
export function conversationFeature(ctx: CaseContext): void {
  const { input, view, state } = ctx;
  const isNew = !state.conversation;
  const conv: ConversationState = (state.conversation ??= { messages: [], next: 1 });
  if (isNew && !input.resume) {
    conv.messages.push(firstMessage(input, view.times.openedAt));
    conv.next = 2;
    // Only cases opened from an inbound e-mail have `inbound` (no recorded history does); patched
    // anyway, since it adds an activity to the case's commands.
    if (input.inbound?.messageId && input.channel === 'email' && patched(INBOUND_ACK_PATCH))
      acknowledgeInboundEmail(ctx);
  }
  const add = (m: Omit<MessageRecord, 'n'>) => {
    conv.messages.push({ n: conv.next++, ...m });
    if (conv.messages.length > CONVERSATION_LIMITS.kept)
      conv.messages.splice(0, conv.messages.length - CONVERSATION_LIMITS.kept);
  };

  ctx.on('messageReceived', ({ message: m, channel }) => {
    add({
      author: { kind: 'customer', name: input.customer.name },
      channel,
      at: m.at ?? ctx.now(),
      text: m.message,
      ...(m.html ? { html: m.html } : {}),
      ...(m.subject ? { subject: m.subject } : {}),
      ...(m.messageId ? { messageId: m.messageId } : {}),
      ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
      ...(m.attachments?.length ? { attachments: m.attachments } : {}),
      ...(m.automatic ? { automatic: m.automatic } : {}),
      delivery: 'received',
    });
  });

  ctx.on('agentReplied', ({ actor, text, emailN }) => {
    add({
      author: authorOf(actor),
      channel: input.channel,
      at: ctx.now(),
      text,
      ...(emailN !== undefined ? { emailN, delivery: 'queued' as const } : { delivery: 'posted' as const }),
    });
  });

  ctx.addPublisher({
    view: () => {
      view.messages = conversationSlice(conv.messages, conv.next - 1, view);
    },
  });

  setHandler(messagesQuery, (q: MessagesPageInput = {}): MessagesPage => {
    const limit = Math.max(1, Math.min(CONVERSATION_LIMITS.maxPage, Math.floor(q?.limit ?? CONVERSATION_LIMITS.page)));
    let page: MessageRecord[];
    if (q?.before !== undefined) {
      const older = conv.messages.filter((m) => m.n < q.before!);
      page = older.slice(-limit);
    } else {
      const after = q?.after ?? 0;
      page = conv.messages.filter((m) => m.n > after).slice(0, limit);
    }
    const last = page.at(-1);
    const first = page[0];
    return {
      caseId: input.caseId,
      count: conv.next - 1,
      messages: page.map((m) => shownMessage(m, view)),
      ...(last && last.n < conv.next - 1 ? { nextAfter: last.n } : {}),
      ...(first && first.n > (conv.messages[0]?.n ?? 1) ? { prevBefore: first.n } : {}),
    };
  });
}

/** The customer's last e-mail with a Message-ID: what an agent's e-mail reply answers. */
export function lastCustomerEmail(state: ConversationState | undefined): MessageRecord | undefined {
  return state?.messages.filter((m) => m.author.kind === 'customer' && m.messageId && !m.automatic).at(-1);
}
