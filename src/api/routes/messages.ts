// The conversation of a case: what the customer wrote and what agents answered, newest last.
import type { z } from 'zod/v4';
import { messagesQuery } from '../../../workflows/contracts';
import type { RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

export function messageRoutes(env: RouteEnv): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/cases/:caseId/messages',
      summary: "The case's messages, oldest first, paged (after= / before= a message number)",
      permission: 'case.read',
      query: s.messagesQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.messagesQuery>;
        const page = await env.handleFor(ctx.params.caseId).query(messagesQuery, {
          ...(q.after !== undefined ? { after: q.after } : {}),
          ...(q.before !== undefined ? { before: q.before } : {}),
          limit: q.limit,
        });
        return { body: page };
      },
    },
  ];
}
