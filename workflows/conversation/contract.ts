// The conversation's contract: the thread query the API pages through. Customer messages arrive
// as the lifecycle's customerReply signal; agent replies are the reply Update.
import { defineQuery } from '@temporalio/workflow';
import type { MessageRecord } from './state';

/** How many messages a case keeps in its state, and how many its view shows. */
export const CONVERSATION_LIMITS = { kept: 500, recent: 5, page: 50, maxPage: 200 } as const;

/** A page of the thread, oldest first: messages with n > after (or n < before), at most limit. */
export interface MessagesPageInput {
  after?: number;
  before?: number;
  limit?: number;
}

/** A page of the thread. */
export interface MessagesPage {
  caseId: string;
  count: number;
  messages: MessageRecord[];
  /** The `after` of the next page, when there is one. */
  nextAfter?: number;
  /** The `before` of the previous page, when older messages are kept. */
  prevBefore?: number;
}

/** The thread, paged. */
export const messagesQuery = defineQuery<MessagesPage, [MessagesPageInput]>('messages');
