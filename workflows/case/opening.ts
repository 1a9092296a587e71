// The case as it is the moment it opens, computed from its input alone: the workflow builds its
// first state with it, and the API answers POST /cases with it as soon as the workflow has
// started, without waiting for a worker (issue: intake at raw speed). Pure: no workflow APIs.
import { clockView, openingClocks } from '../../src/policy/clocks';
import {
  buildChecklist,
  matchCommonIssues,
  suggestCategory,
  type CategorySuggestion,
  type ChecklistStep,
  type LinkContext,
} from '../../src/policy/rules';
import type { CaseView } from '../case-view';
import { conversationSlice, firstMessage } from '../conversation/messages';
import type { CaseInput } from './contract';
import type { TimelineEntry } from './state';

/** What intake reads from the text: the matched playbooks and the suggested category. */
export interface OpeningFacts {
  playbooks: ReturnType<typeof matchCommonIssues>;
  suggestion: CategorySuggestion | null;
  links: LinkContext;
}

/** The playbooks and category the case's subject and description suggest. */
export function openingFacts(input: CaseInput): OpeningFacts {
  const text = `${input.subject}\n${input.description}`;
  return {
    playbooks: matchCommonIssues(input.policy, text),
    suggestion: suggestCategory(input.policy, text),
    links: {
      adminBaseUrl: input.settings.adminBaseUrl,
      bookingId: input.bookingId,
      paymentIntentId: input.paymentIntentId,
    },
  };
}

/** The lifecycle's first state: intake fields, the checklist of the category and its playbooks. */
export function openingCore(input: CaseInput, openedAtMs: number, facts = openingFacts(input)): CaseView {
  const { policy } = input;
  const category = input.category ?? facts.suggestion?.category ?? null;
  return {
    caseId: input.caseId,
    reference: input.caseId,
    status: 'new',
    channel: input.channel,
    category,
    categorySuggestion: facts.suggestion,
    subject: input.subject,
    description: input.description,
    customer: input.customer,
    bookingId: input.bookingId,
    paymentIntentId: input.paymentIntentId,
    assignee: null,
    commonIssues: facts.playbooks.map((p) => ({ id: p.id, title: p.title })),
    checklist: knownIssueChecked(input, openedAtMs, buildChecklist(policy, category, facts.playbooks, facts.links)),
    emails: [],
    timeline: [],
    notes: [],
    reopens: 0,
    csat: null,
    times: { openedAt: new Date(openedAtMs).toISOString() },
    policyVersion: policy.version,
    ...knownIssueSlice(input),
  };
}

/** A case opened while its known issue is open is linked to it. */
function knownIssueSlice(input: CaseInput): Pick<CaseView, 'incidents'> {
  const k = input.knownIssue;
  if (!k) return {};
  return {
    incidents: [{ incidentId: k.incidentId, title: k.title.slice(0, 200), severity: k.severity, active: k.active }],
  };
}
/** ... and "Check for known issues" is done. */
function knownIssueChecked(input: CaseInput, openedAtMs: number, checklist: ChecklistStep[]): ChecklistStep[] {
  const k = input.knownIssue;
  if (!k) return checklist;
  return checklist.map((s) =>
    s.id === KNOWN_ISSUES_STEP && s.state === 'pending'
      ? {
          ...s,
          state: 'completed' as const,
          by: 'Support Orchestrator',
          at: new Date(openedAtMs).toISOString(),
          note: `Known issue: incident ${k.incidentId} (${k.title.slice(0, 120)})`,
        }
      : s,
  );
}
/** The checklist step a known issue completes. */
export const KNOWN_ISSUES_STEP = 'check-known-issues';

/** The first line of the audit trail. */
export function openedEntry(input: CaseInput, openedAtMs: number, facts = openingFacts(input)): TimelineEntry {
  const { suggestion } = facts;
  return {
    seq: 1,
    at: new Date(openedAtMs).toISOString(),
    actor: input.openedBy,
    action: 'opened',
    detail: `${input.channel} case${input.category ? '' : suggestion ? `, category suggested: ${suggestion.category}` : ', no category matched'}${input.knownIssue ? `, linked to known issue ${input.knownIssue.incidentId}` : ''}`,
  };
}

/**
 * The view a case shows once it has opened, before any worker ran it: the first state, the
 * `opened` entry, and the clocks the case starts at open as of that moment. What intake does
 * next (the payment lookup, an automatic escalation, the in-app answer) follows in the workflow.
 */
export function openingView(input: CaseInput, openedAtMs: number): CaseView {
  const facts = openingFacts(input);
  const view = openingCore(input, openedAtMs, facts);
  view.timeline.push(openedEntry(input, openedAtMs, facts));
  view.clocks = openingClocks(input.policy, input.channel, openedAtMs).map((c) =>
    clockView(c, input.policy.calendars, openedAtMs),
  );
  view.clocksAsOf = new Date(openedAtMs).toISOString();
  view.sla = { breaches: 0, customerFacingBreaches: 0, warnings: 0, policyVersion: input.policy.version };
  // What escalation and compensation show before anything happened to the case.
  Object.assign(view, { escalations: [], escalationTriggers: [], severity: null, compensations: [] });
  view.messages = conversationSlice([firstMessage(input, view.times.openedAt)], 1, view);
  view.version = 1; // the workflow's first publish
  return view;
}
