// Escalation ladders beyond their rungs: how long a rung waits for an acknowledgement (its
// internal channel's response time, the seed's Internal Escalation table), and which contacts
// outside the ladder an escalation tells (Legal, Operations). Pure: the case workflow calls them.
import { matchingPhrases } from './clocks';
import type {
  CategoryDef,
  EscalationNoticeDef,
  EscalationTriggerDef,
  InternalChannelDef,
  LadderRung,
  SeverityDef,
  SupportPolicy,
} from './types';

/**
 * The internal channel whose response time a rung waits: the rung's `ackChannelId`; for rungs of
 * policies pinned before it, Slack and PagerDuty rungs their channel and an e-mail to an address
 * an internal channel names (engineering@) that channel. Undefined: the rung has none (a ticket,
 * an e-mail to a person) and waits the severity's response time.
 */
export function rungAckChannel(
  policy: Pick<SupportPolicy, 'internalChannels' | 'contacts'>,
  rung: LadderRung,
): InternalChannelDef | undefined {
  const channels = policy.internalChannels ?? [];
  if (rung.ackChannelId) return channels.find((c) => c.id === rung.ackChannelId);
  if (rung.via === 'slack' || rung.via === 'pagerduty') return channels.find((c) => c.id === rung.via);
  if (rung.via === 'email' && rung.contactId) {
    const address = policy.contacts.find((c) => c.id === rung.contactId)?.contact.toLowerCase();
    if (address?.includes('@')) return channels.find((c) => c.name.toLowerCase().includes(address));
  }
  return undefined;
}

/** Minutes a rung waits for an acknowledgement before the ladder climbs, in the severity's calendar. */
export function rungAckMinutes(
  policy: Pick<SupportPolicy, 'internalChannels' | 'contacts'>,
  severity: Pick<SeverityDef, 'responseMinutes'>,
  rung: LadderRung | undefined,
): number {
  return (rung && rungAckChannel(policy, rung)?.responseMinutes) ?? severity.responseMinutes;
}

/** A contact an escalation tells, and why. */
export interface EscalationNotice {
  contactId: string;
  /** The trigger id or the signal phrase that matched. */
  because: string;
}

/**
 * The contacts of `policy.escalationNotices` an escalation tells: those listing its trigger, or a
 * signal the escalation's text contains. Each contact once, the trigger before a signal.
 */
export function escalationNotices(
  notices: readonly EscalationNoticeDef[] | undefined,
  escalation: { triggerId?: string; text: string },
): EscalationNotice[] {
  const out: EscalationNotice[] = [];
  for (const n of notices ?? []) {
    if (out.some((o) => o.contactId === n.contactId)) continue;
    const trigger = escalation.triggerId && n.triggers?.includes(escalation.triggerId) ? escalation.triggerId : null;
    const signal = trigger ? null : matchingPhrases(escalation.text, n.signals ?? [])[0];
    const because = trigger ?? signal;
    if (because) out.push({ contactId: n.contactId, because });
  }
  return out;
}

/** The triggers an agent can flag on a case of the category: its own, then those of every category. */
export function triggersOf(
  policy: Pick<SupportPolicy, 'anyCategoryTriggers'>,
  category: CategoryDef | undefined,
): EscalationTriggerDef[] {
  return [...(category?.escalationTriggers ?? []), ...(policy.anyCategoryTriggers ?? [])];
}

/** Whether a severity's ladder waits, rung by rung, anything but the severity's response time. */
export function ladderWaitsDiffer(
  policy: Pick<SupportPolicy, 'internalChannels' | 'contacts'>,
  severity: Pick<SeverityDef, 'responseMinutes' | 'ladder'>,
): boolean {
  return severity.ladder.some((r) => rungAckMinutes(policy, severity, r) !== severity.responseMinutes);
}
