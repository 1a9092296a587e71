// Inbound e-mail over HTTP: Brevo's inbound parsing webhook (HTTP Basic credentials from
// BREVO_INBOUND_USER / BREVO_INBOUND_PASSWORD, no bearer token) hands each e-mail to the one
// intake (src/inbound/deliver.ts), and staff list the mail the product could not place.
import type { z } from 'zod/v4';
import { brevoMessage } from '../../inbound/brevo';
import { createIntake, PLACE_TIMEOUT_MS, within } from '../../inbound/deliver';
import { secretMatches } from '../../security/bearer-tokens';
import { HttpError } from '../errors';
import type { Ctx, RouteDef, RouteEnv } from '../route-table';
import * as s from '../schemas';

/** Whether the request carries the Brevo webhook's Basic credentials (both compared, in constant time). */
/** The largest Brevo delivery taken (a batch of items with their HTML; attachments are tokens). */
const BREVO_MAX_BODY_BYTES = 20 * 1024 * 1024;

function brevoCaller(ctx: Ctx, expected: { user: string; password: string }): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]{1,1000})$/.exec(ctx.header('authorization') ?? '');
  const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userOk = secretMatches(expected.user, user);
  const passwordOk = secretMatches(expected.password, password);
  return m !== null && colon >= 0 && userOk && passwordOk;
}

/** The inbound e-mail routes. */
export function inboundRoutes(env: RouteEnv): RouteDef[] {
  const { client, config, policy } = env;
  const intake = createIntake({ client, config, policy });
  return [
    {
      method: 'post',
      path: '/inbound/email/brevo',
      summary: "Brevo's inbound parsing webhook (HTTP Basic credentials)",
      permission: null,
      body: s.brevoInboundBody,
      // Real mail with its quoted HTML often passes 100 KB; Brevo would retry a 413 for ever.
      maxBodyBytes: BREVO_MAX_BODY_BYTES,
      async handle(ctx) {
        const expected = config.inbound.brevo;
        // Fail closed: without configured credentials the webhook takes nothing.
        if (!expected)
          throw new HttpError(
            503,
            'disabled',
            'the Brevo webhook is off: BREVO_INBOUND_USER and BREVO_INBOUND_PASSWORD are not set',
          );
        if (!brevoCaller(ctx, expected)) throw new HttpError(401, 'unauthorized', 'the webhook credentials are wrong');
        const { items } = ctx.body as z.infer<typeof s.brevoInboundBody>;
        const results = [];
        // One at a time, each durably placed before the next; any failure answers 5xx and Brevo
        // delivers the whole batch again (a redelivered item changes nothing).
        for (const item of items) {
          try {
            results.push(await within(intake.deliver(brevoMessage(item), JSON.stringify(item)), PLACE_TIMEOUT_MS));
          } catch {
            throw new HttpError(503, 'unavailable', 'the support system is unavailable; deliver again later');
          }
        }
        return { body: { received: items.length, results } };
      },
    },
    {
      method: 'get',
      path: '/inbound/rejected',
      summary: 'Inbound e-mail the product could not place, newest first',
      permission: 'inbound.review',
      query: s.rejectedQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.rejectedQuery>;
        return { body: await intake.rejected.list(q.limit) };
      },
    },
  ];
}
