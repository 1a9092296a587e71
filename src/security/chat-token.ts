// Chat links carry a signed token naming the case, its channel and when the link expires; the chat
// page, its event stream and its message route take the token as their only credential. No personal
// data in the token. The key is derived from CSAT_SIGNING_SECRET (HMAC of a fixed label), so a
// survey token never verifies as a chat token, nor the other way round, and no new secret is needed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';
import type { Channel } from '../policy/types';

/** What a chat token names. */
export interface ChatClaim {
  caseId: string;
  /** The case's channel: customer messages sent through the link arrive `via` it. */
  channel: Extract<Channel, 'chat' | 'in_app'>;
  /** When the link stops working (ms since the epoch, a whole second). */
  expiresAtMs: number;
}

/** How long a chat link works: a week from when an agent asked for it; asking again gives a new one. */
export const CHAT_LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const VERSION = 'c1';
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const chatKey = (secret: string) => createHmac('sha256', secret).update('edustream chat link v1').digest();
const sign = (secret: string, body: string) => createHmac('sha256', chatKey(secret)).update(body).digest('base64url');

/** Signs a chat token. */
export function signChatToken(secret: string, claim: ChatClaim): string {
  const body = b64(JSON.stringify({ c: claim.caseId, ch: claim.channel, e: Math.floor(claim.expiresAtMs / 1000) }));
  return `${VERSION}.${body}.${sign(secret, `${VERSION}.${body}`)}`;
}

/** Verifies a chat token: its claim, 'expired' when signed but past its expiry, null when forged or malformed. */
export function verifyChatToken(secret: string, token: string, nowMs = Date.now()): ChatClaim | 'expired' | null {
  if (token.length > 1_000) return null;
  const [version, body, sig, extra] = token.split('.');
  if (version !== VERSION || !body || !sig || extra !== undefined) return null;
  const expected = Buffer.from(sign(secret, `${version}.${body}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: { c?: unknown; ch?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    return null;
  }
  if (typeof parsed.c !== 'string' || (parsed.ch !== 'chat' && parsed.ch !== 'in_app')) return null;
  if (typeof parsed.e !== 'number' || !Number.isSafeInteger(parsed.e)) return null;
  const expiresAtMs = parsed.e * 1000;
  if (nowMs >= expiresAtMs) return 'expired';
  return { caseId: parsed.c, channel: parsed.ch, expiresAtMs };
}

/** The chat link of a case and when it expires. */
export function chatLink(
  config: Pick<Config, 'publicBaseUrl' | 'csatSecret'>,
  caseId: string,
  channel: ChatClaim['channel'],
  nowMs = Date.now(),
): { url: string; expiresAt: string } {
  const expiresAtMs = Math.floor((nowMs + CHAT_LINK_TTL_MS) / 1000) * 1000;
  const token = signChatToken(config.csatSecret, { caseId, channel, expiresAtMs });
  return { url: `${config.publicBaseUrl}/chat/${token}`, expiresAt: new Date(expiresAtMs).toISOString() };
}
