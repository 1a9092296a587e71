// Known issues, as pure rules: which detection rules a case's text matches, and whether an open
// incident is the known issue of a case. Deterministic and import-free (beyond types and the
// tokenizer), so the case workflow, the incident desk and the API share them.
import { rungAckMinutes } from './ladder';
import { tokenize } from './rules';
import type { Category, IncidentDetectionRule, LadderRung, Severity, SupportPolicy } from './types';

/** A detection rule as the desk needs it (the case sends the rules it matched, so the desk holds no policy). */
export type DetectionRuleRef = Omit<IncidentDetectionRule, 'match'>;

/** What the incident desk knows of a case: its area and the rules its text matched. */
export interface CaseIncidentReport {
  caseId: string;
  category: Category | null;
  /** The detection rules the case's subject and description match. */
  rules: DetectionRuleRef[];
  /** The case's words (lower case, deduplicated, at most 60), for matching incident titles. */
  words: string[];
}

/** The part of an open incident the desk matches cases against. */
export interface KnownIssue {
  incidentId: string;
  title: string;
  category?: Category;
  component?: string;
}

/** Detection rules whose word groups the text matches. */
export function matchingRules(policy: SupportPolicy, text: string): IncidentDetectionRule[] {
  const tokens = new Set(tokenize(text));
  return (policy.incidents?.detection ?? []).filter((r) => r.match.some((g) => g.every((w) => tokens.has(w))));
}

/** Words too common to tie a case to an incident's title. */
const STOP = new Set(
  'the and for with not our your you are was were has have had this that from into after before when then than can cannot cant unable some any all multiple users user customers customer issue issues problem problems working down broken failing failed error errors'.split(
    ' ',
  ),
);
/** Significant words of a title: four letters or more, not in the stop list. */
export function significantWords(text: string): string[] {
  return [...new Set(tokenize(text).filter((w) => w.length >= 4 && !STOP.has(w)))];
}

/** The report the case sends the desk at intake; null when nothing about it could match an incident. */
export function incidentReportOf(
  policy: SupportPolicy,
  c: { caseId: string; category: Category | null; subject: string; description: string; checksKnownIssues: boolean },
): CaseIncidentReport | null {
  if (!policy.incidents) return null;
  const text = `${c.subject}\n${c.description}`;
  const rules = matchingRules(policy, text).map(({ match: _match, ...ref }) => ref);
  if (rules.length === 0 && !c.checksKnownIssues) return null;
  return { caseId: c.caseId, category: c.category, rules, words: [...new Set(tokenize(text))].slice(0, 60) };
}

/**
 * Whether an open incident is the known issue of a case: its text matches a detection rule of the
 * incident's component, or it is in the incident's category (when it names one) and names a
 * significant word of the incident's title.
 */
export function isKnownIssueOf(issue: KnownIssue, report: CaseIncidentReport): boolean {
  // Words that name the component's failure ("payment failed") tie a case of any category to it.
  if (issue.component && report.rules.some((r) => r.component === issue.component)) return true;
  if (issue.category && report.category !== issue.category) return false;
  const words = new Set(report.words);
  return significantWords(issue.title).some((w) => words.has(w));
}

/**
 * The known issue of a case among open incidents: one it matches (isKnownIssueOf), confirmed ones
 * (their ladder runs) before suspected ones, then the most severe.
 */
export function knownIssueAmong<I extends KnownIssue & { active: boolean; severity: Severity }>(
  incidents: readonly I[],
  report: CaseIncidentReport,
): I | undefined {
  return incidents
    .filter((i) => isKnownIssueOf(i, report))
    .sort((a, b) => Number(b.active) - Number(a.active) || a.severity.localeCompare(b.severity))[0];
}

/**
 * One rung of an incident's ladder, with its contact's address and how long it waits for an
 * acknowledgement: its internal channel's response time (ladder.ts), as a case's rung does.
 */
export interface IncidentRung extends LadderRung {
  contact?: string;
  ackMinutes: number;
}

/** How an incident escalates: its severity's ladder, resolved against the contact directory. */
export interface IncidentEscalation {
  severity: Severity;
  rungs: IncidentRung[];
  /** Slack channel of the incident's thread (#support-escalations). */
  channel: string;
  publicBaseUrl: string;
}

/** An incident's ladder for a severity; null when the policy has no such severity. */
export function incidentEscalationOf(
  policy: SupportPolicy,
  severity: Severity,
  opts: { channel: string; publicBaseUrl: string },
): IncidentEscalation | null {
  const sev = policy.severities.find((s) => s.id === severity);
  if (!sev) return null;
  return {
    severity,
    channel: opts.channel,
    publicBaseUrl: opts.publicBaseUrl,
    rungs: sev.ladder.map((r) => {
      const contact = r.contactId ? policy.contacts.find((c) => c.id === r.contactId)?.contact : undefined;
      return { ...r, ...(contact ? { contact } : {}), ackMinutes: rungAckMinutes(policy, sev, r) };
    }),
  };
}

const pinned = new WeakMap<SupportPolicy, SupportPolicy>();
/**
 * The policy a case pins: everything a case reads. The incident rules are left out (intake and the
 * incident desk apply them), and so are the API's permissions, pinned as granting nothing (the API
 * decides who may act, with the deployment's policy; a case never asks). Every case's history stays
 * that much smaller.
 */
export function casePolicyOf(policy: SupportPolicy): SupportPolicy {
  let p = pinned.get(policy);
  if (!p) {
    const { incidents: _rules, ...rest } = policy;
    const none = Object.fromEntries(Object.keys(policy.permissions).map((k) => [k, []]));
    p = { ...rest, permissions: none as unknown as SupportPolicy['permissions'] };
    pinned.set(policy, p);
  }
  return p;
}
