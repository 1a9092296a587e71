// Pure rules over the policy. Deterministic and import-free so the case workflow can call them.
import type { CaseStatus, Category, CommonIssueDef, Role, StepDef, SupportPolicy, TemplateId } from './types';

/** Lower-case words of a text, apostrophes and hyphens kept inside words. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .split(/[^a-z0-9'-]+/)
    .map((w) => w.replace(/^['-]+|['-]+$/g, ''))
    .filter((w) => /[a-z0-9]/.test(w));
}

function containsPhrase(tokens: string[], phrase: string): boolean {
  const words = tokenize(phrase);
  if (words.length === 0) return false;
  outer: for (let i = 0; i + words.length <= tokens.length; i++) {
    for (let j = 0; j < words.length; j++) if (tokens[i + j] !== words[j]) continue outer;
    return true;
  }
  return false;
}

/** Playbooks from the seed's Common Issues whose words all appear in the text. */
export function matchCommonIssues(policy: SupportPolicy, text: string): CommonIssueDef[] {
  const tokens = new Set(tokenize(text));
  return policy.commonIssues.filter((issue) => issue.match.some((words) => words.every((w) => tokens.has(w))));
}

/** A category suggestion with the words that led to it. */
export interface CategorySuggestion {
  category: Category;
  score: number;
  matched: string[];
}

/**
 * Suggests a category from the text using the seed's examples as keywords; a matching common
 * issue weighs more than a single keyword. Null when nothing matches: the agent sets it.
 */
export function suggestCategory(policy: SupportPolicy, text: string): CategorySuggestion | null {
  const tokens = tokenize(text);
  let best: CategorySuggestion | null = null;
  const playbooks = matchCommonIssues(policy, text);
  for (const cat of policy.categories) {
    const phrases = [...cat.keywords, ...cat.examples.map((e) => e.toLowerCase())];
    const matched = [...new Set(phrases.filter((p) => containsPhrase(tokens, p)))];
    const fromPlaybooks = playbooks.filter((p) => p.category === cat.id);
    const score = matched.length + 3 * fromPlaybooks.length;
    if (score > 0 && (!best || score > best.score)) {
      best = { category: cat.id, score, matched: [...matched, ...fromPlaybooks.map((p) => `playbook: ${p.title}`)] };
    }
  }
  return best;
}

/** A checklist step as it lives on a case. */
export interface ChecklistStep {
  id: string;
  title: string;
  source: 'tier1' | `playbook:${string}`;
  automation?: StepDef['automation'];
  adminLink?: string;
  customerFacing?: boolean;
  state: 'pending' | 'completed' | 'skipped';
  by?: string;
  at?: string;
  note?: string;
  /** What an automated step found (never card digits or other secrets). */
  result?: Record<string, string | number | boolean | null>;
}

/** What the checklist links need to know about the case. */
export interface LinkContext {
  adminBaseUrl: string;
  bookingId?: string;
  paymentIntentId?: string;
}

function adminLink(policy: SupportPolicy, step: StepDef, ctx: LinkContext): string | undefined {
  if (!step.admin) return undefined;
  if (step.admin === 'stripe') {
    const base = policy.adminPanel.stripe;
    return ctx.paymentIntentId ? `${base}/payments/${encodeURIComponent(ctx.paymentIntentId)}` : base;
  }
  const url = `${ctx.adminBaseUrl.replace(/\/$/, '')}${policy.adminPanel[step.admin]}`;
  return step.admin === 'bookings' && ctx.bookingId ? `${url}?id=${encodeURIComponent(ctx.bookingId)}` : url;
}

function toStep(policy: SupportPolicy, def: StepDef, source: ChecklistStep['source'], ctx: LinkContext): ChecklistStep {
  const step: ChecklistStep = { id: def.id, title: def.title, source, state: 'pending' };
  if (def.automation) step.automation = def.automation;
  if (def.customerFacing) step.customerFacing = true;
  const link = adminLink(policy, def, ctx);
  if (link) step.adminLink = link;
  return step;
}

/** The Tier 1 checklist of a category plus the steps of the matched playbooks. */
export function buildChecklist(
  policy: SupportPolicy,
  category: Category | null,
  playbooks: CommonIssueDef[],
  ctx: LinkContext,
): ChecklistStep[] {
  const steps: ChecklistStep[] = [];
  const cat = category ? policy.categories.find((c) => c.id === category) : undefined;
  for (const def of cat?.tier1 ?? []) steps.push(toStep(policy, def, 'tier1', ctx));
  for (const pb of playbooks) for (const def of pb.steps) steps.push(toStep(policy, def, `playbook:${pb.id}`, ctx));
  return steps;
}

/**
 * A category change swaps the Tier 1 steps: pending steps of the old category go, steps already
 * worked stay (they are part of the record), playbook steps stay.
 */
export function recategorizeChecklist(
  policy: SupportPolicy,
  current: ChecklistStep[],
  category: Category,
  ctx: LinkContext,
): ChecklistStep[] {
  const kept = current.filter((s) => s.source !== 'tier1' || s.state !== 'pending');
  const fresh = buildChecklist(policy, category, [], ctx).filter((s) => !kept.some((k) => k.id === s.id));
  return [...fresh, ...kept];
}

/** Agent and system actions on a case. */
export type CaseAction =
  | 'assign'
  | 'reply'
  | 'requestVerification'
  | 'completeStep'
  | 'skipStep'
  | 'setCategory'
  | 'addNote'
  | 'waitForCustomer'
  | 'resolve'
  | 'close'
  | 'reopen'
  | 'rate';

/** Statuses in which each action is allowed; anything else is refused with 409. */
export const ACTION_STATUSES: Record<CaseAction, CaseStatus[]> = {
  assign: ['new', 'open', 'awaiting_customer', 'resolved'],
  reply: ['new', 'open', 'awaiting_customer'],
  requestVerification: ['new', 'open', 'awaiting_customer'],
  completeStep: ['new', 'open', 'awaiting_customer'],
  skipStep: ['new', 'open', 'awaiting_customer'],
  setCategory: ['new', 'open', 'awaiting_customer'],
  addNote: ['new', 'open', 'awaiting_customer', 'resolved', 'closed'],
  waitForCustomer: ['open'],
  resolve: ['new', 'open', 'awaiting_customer'],
  close: ['resolved'],
  reopen: ['resolved', 'closed'],
  // A closed case answers a second rating with 'already rated' rather than a status error.
  rate: ['resolved', 'closed'],
};

/** Whether the status allows the action. */
export function statusAllows(action: CaseAction, status: CaseStatus): boolean {
  return ACTION_STATUSES[action].includes(status);
}

/** The approval tier an amount falls in (DESIGN.md decision 2). */
export function approvalTierFor(policy: SupportPolicy, cents: number) {
  const tier = policy.approvalTiers.find((t) => t.maxCents === null || cents <= t.maxCents);
  if (!tier) throw new Error(`no approval tier covers ${cents} cents`);
  return tier;
}

/** Whether a role may do something through the API. */
export function roleMay(policy: SupportPolicy, role: Role, permission: keyof SupportPolicy['permissions']): boolean {
  return policy.permissions[permission].includes(role);
}

/** An e-mail ready to send. */
export interface RenderedEmail {
  templateId: TemplateId;
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function fill(template: string, vars: Record<string, string>, escape: (s: string) => string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return escape(value);
  });
}

/** Renders a template as text and HTML with every placeholder filled; a missing value throws. */
export function renderTemplate(policy: SupportPolicy, id: TemplateId, vars: Record<string, string>): RenderedEmail {
  const t = policy.templates[id];
  const text = fill(t.body, vars, (s) => s);
  const htmlBody = fill(t.body, vars, escapeHtml)
    .split(/\n{2,}/)
    .map((para) => `<p>${para.replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return {
    templateId: id,
    subject: fill(t.subject, vars, (s) => s).replace(/[\r\n]+/g, ' '),
    text,
    html: `<!doctype html>\n<html><body style="font-family: sans-serif">\n${htmlBody}\n</body></html>`,
  };
}

/** Human wording of a duration in minutes, for e-mails ("24 hours", "15 minutes", "7 days"). */
export function describeMinutes(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes % (24 * 60) === 0 && minutes >= 48 * 60) return plural(minutes / (24 * 60), 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}
