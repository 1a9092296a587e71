// Who the staff are: the people behind the configured bearer tokens, the actor each one acts as
// in case timelines, and the agents a case can be assigned to by name.
import type { TokenIdentity } from '../config';
import { roleMay } from '../policy/rules';
import type { SupportPolicy } from '../policy/types';
import type { Actor } from '../../workflows/contracts';
import { lookupToken, type TokenMap } from './bearer-tokens';

/** A name as an id: lower case, other characters collapsed to hyphens ('Alex Agent' is 'alex-agent'). */
export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The actor a staff member acts as; the id derives from the name, so it survives a new token. */
export const actorOf = (who: TokenIdentity): Actor => ({ id: slug(who.name), name: who.name, role: who.role });

/** Staff known by their bearer tokens. */
export interface StaffDirectory {
  /** The staff member a bearer token belongs to; undefined for a token nobody holds. */
  byToken(token: string): TokenIdentity | undefined;
  /** Staff who may work cases (their role has case.work), in the order the tokens are configured. */
  staff(): TokenIdentity[];
  /** The staff member who may work cases with this name, ignoring case, as an actor; undefined if none. */
  agentNamed(name: string): Actor | undefined;
}

/** The directory of the configured tokens (by their hashes) under the policy's permissions. */
export function staffDirectory(tokens: TokenMap<TokenIdentity>, policy: SupportPolicy): StaffDirectory {
  const staff = () => [...tokens.values()].filter((t) => roleMay(policy, t.role, 'case.work'));
  return {
    byToken: (token) => lookupToken(tokens, token),
    staff,
    agentNamed(name) {
      const who = staff().find((t) => t.name.toLowerCase() === name.toLowerCase());
      return who ? actorOf(who) : undefined;
    },
  };
}
