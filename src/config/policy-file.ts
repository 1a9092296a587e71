// POLICY_FILE: a deployment's own policy, validated at start-up. The file is JSON: a whole policy,
// or only the parts that differ from the seed's (objects merge into the default, arrays replace).
// Its version gets a content hash, so every case pins exactly the rules it was opened under;
// running cases keep theirs (their input holds the snapshot) unless sent a policyChanged signal.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod/v4';
import type { Config } from './index';
import { validateCalendar } from '../policy/calendar';
import { DEFAULT_POLICY } from '../policy/default-policy';
import { CATEGORIES, CHANNELS, ROLES, SEVERITIES, type SupportPolicy } from '../policy/types';

const minutes = z
  .number()
  .int()
  .min(0)
  .max(366 * 24 * 60);
const step = z.looseObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  title: z.string().min(1),
  automation: z.enum(['stripe.lookupPayment', 'stripe.verifyIdentity']).optional(),
  admin: z.enum(['users', 'bookings', 'tutors', 'stripe']).optional(),
  customerFacing: z.boolean().optional(),
});

/** The shape a policy must have; unknown extra fields are kept (later features read them). */
export const policySchema = z.looseObject({
  version: z.string().min(1).max(80),
  name: z.string().min(1),
  timeZone: z.string().min(1),
  calendars: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        timeZone: z.string(),
        hours: z.array(z.looseObject({})),
        holidays: z.array(z.string()),
      }),
    )
    .min(1),
  channels: z
    .array(
      z.looseObject({
        id: z.enum(CHANNELS),
        firstResponseMinutes: minutes,
        nextReplyMinutes: minutes.optional(),
        calendarId: z.string(),
      }),
    )
    .length(3),
  categories: z
    .array(
      z.looseObject({
        id: z.enum(CATEGORIES),
        keywords: z.array(z.string()),
        examples: z.array(z.string()),
        tier1: z.array(step),
        escalationTriggers: z.array(z.looseObject({ id: z.string(), label: z.string(), severity: z.enum(SEVERITIES) })),
      }),
    )
    .length(5),
  commonIssues: z.array(
    z.looseObject({
      id: z.string(),
      title: z.string(),
      category: z.enum(CATEGORIES),
      match: z.array(z.array(z.string()).min(1)),
      steps: z.array(step),
    }),
  ),
  severities: z
    .array(
      z.looseObject({
        id: z.enum(SEVERITIES),
        responseMinutes: minutes.min(1),
        calendarId: z.string(),
        ladder: z
          .array(
            z.looseObject({
              via: z.enum(['pagerduty', 'slack', 'email', 'ticket']),
              target: z.string(),
              contactId: z.string().optional(),
              ackChannelId: z.string().optional(),
            }),
          )
          .min(1),
      }),
    )
    .length(4),
  resolutionTargetMinutes: minutes.min(1),
  templates: z.record(z.string(), z.looseObject({ subject: z.string().min(1), body: z.string().min(1) })),
  compensation: z.array(z.looseObject({ id: z.string(), refund: z.enum(['none', 'full']) })),
  approvalTiers: z
    .array(z.looseObject({ role: z.enum(ROLES), maxCents: z.number().int().positive().nullable() }))
    .min(1),
  contacts: z.array(z.looseObject({ id: z.string(), contact: z.string() })),
  internalChannels: z.array(z.looseObject({ id: z.string(), name: z.string(), responseMinutes: minutes.min(1) })),
  escalationNotices: z
    .array(
      z.looseObject({
        contactId: z.string(),
        triggers: z.array(z.string()).optional(),
        signals: z.array(z.string().min(1)).optional(),
      }),
    )
    .optional(),
  anyCategoryTriggers: z
    .array(z.looseObject({ id: z.string(), label: z.string(), severity: z.enum(SEVERITIES) }))
    .optional(),
  csat: z.looseObject({ surveyDelayMinutes: minutes, responseWindowMinutes: minutes.min(1) }),
  reopen: z.looseObject({ windowMinutes: minutes, maxReopensBeforeEscalation: z.number().int().min(0) }),
  permissions: z.record(z.string(), z.array(z.enum(ROLES))),
});

/** Cross-checks a schema cannot express; each problem names its field. */
function crossCheck(p: SupportPolicy): string[] {
  const problems: string[] = [];
  const calendars = new Set(p.calendars.map((c) => c.id));
  p.calendars.forEach((c, i) => validateCalendar(c).forEach((msg) => problems.push(`calendars.${i}: ${msg}`)));
  p.channels.forEach((c, i) => {
    if (!calendars.has(c.calendarId)) problems.push(`channels.${i}.calendarId: no calendar '${c.calendarId}'`);
  });
  p.severities.forEach((s, i) => {
    if (!calendars.has(s.calendarId)) problems.push(`severities.${i}.calendarId: no calendar '${s.calendarId}'`);
  });
  const contacts = new Set(p.contacts.map((c) => c.id));
  p.severities.forEach((s, i) =>
    s.ladder.forEach((r, k) => {
      if (r.contactId && !contacts.has(r.contactId))
        problems.push(`severities.${i}.ladder.${k}.contactId: no contact '${r.contactId}'`);
    }),
  );
  const internal = new Set(p.internalChannels.map((c) => c.id));
  p.severities.forEach((s, i) =>
    s.ladder.forEach((r, k) => {
      if (r.ackChannelId && !internal.has(r.ackChannelId))
        problems.push(`severities.${i}.ladder.${k}.ackChannelId: no internal channel '${r.ackChannelId}'`);
    }),
  );
  const triggers = new Set([
    ...p.categories.flatMap((c) => c.escalationTriggers.map((t) => t.id)),
    ...(p.anyCategoryTriggers ?? []).map((t) => t.id),
  ]);
  (p.escalationNotices ?? []).forEach((n, i) => {
    if (!contacts.has(n.contactId)) problems.push(`escalationNotices.${i}.contactId: no contact '${n.contactId}'`);
    else if (!p.contacts.find((c) => c.id === n.contactId)!.contact.includes('@'))
      problems.push(`escalationNotices.${i}.contactId: contact '${n.contactId}' has no e-mail address`);
    (n.triggers ?? []).forEach((t, k) => {
      if (!triggers.has(t)) problems.push(`escalationNotices.${i}.triggers.${k}: no escalation trigger '${t}'`);
    });
  });
  for (const id of Object.keys(DEFAULT_POLICY.templates))
    if (!(id in p.templates)) problems.push(`templates.${id}: missing`);
  const caps = p.approvalTiers.map((t) => t.maxCents);
  caps.forEach((c, i) => {
    if (i < caps.length - 1 && c === null)
      problems.push(`approvalTiers.${i}.maxCents: only the last tier may be unlimited`);
    if (i > 0 && c !== null && caps[i - 1] !== null && c <= caps[i - 1]!)
      problems.push(`approvalTiers.${i}.maxCents: must be above the tier before`);
  });
  if (caps[caps.length - 1] !== null)
    problems.push(`approvalTiers.${caps.length - 1}.maxCents: the last tier must be unlimited (null)`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: p.timeZone });
  } catch {
    problems.push(`timeZone: unknown time zone '${p.timeZone}'`);
  }
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

/** A policy problem, naming the field. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Validates a policy object (whole or partial over the seed); returns it with a content-hashed version. */
export function resolvePolicy(override: unknown, source = 'policy'): SupportPolicy {
  if (!isObject(override)) throw new PolicyError(`${source}: expected a JSON object`);
  const merged = merge(DEFAULT_POLICY, override);
  const parsed = policySchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const policy = merged as SupportPolicy; // validated; kept as merged so key order (and the hash) follows the file
  const problems = crossCheck(policy);
  if (problems.length)
    throw new PolicyError(
      `${source}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    );
  const hash = createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 8);
  return JSON.stringify(policy) === JSON.stringify(DEFAULT_POLICY)
    ? DEFAULT_POLICY
    : { ...policy, version: `${policy.version}+${hash}` };
}

/** Reads and validates POLICY_FILE. */
export function loadPolicyFile(file: string): SupportPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(
      `POLICY_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`POLICY_FILE ${file}: not valid JSON: ${(err as Error).message}`);
  }
  return resolvePolicy(json, `POLICY_FILE ${file}`);
}

/** The policy for cases opened by this deployment: POLICY_FILE (or the seed's), with env overrides. */
export function deploymentPolicy(config: Pick<Config, 'policyOverrides' | 'policyFile'>): SupportPolicy {
  const base = config.policyFile ? loadPolicyFile(config.policyFile) : DEFAULT_POLICY;
  const delay = config.policyOverrides.csatSurveyDelayMinutes;
  if (delay === undefined || delay === base.csat.surveyDelayMinutes) return base;
  return {
    ...base,
    version: `${base.version}+csat-delay-${delay}m`,
    csat: { ...base.csat, surveyDelayMinutes: delay },
  };
}
