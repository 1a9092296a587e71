// Request bodies and queries, one schema each. Routes validate with these and nothing else; the
// OpenAPI document is generated from the same objects. Enums come from the policy's own lists.
import { z } from 'zod/v4';
import { WEEK_PATTERN } from '../metrics/weekly-report';
import { CASE_STATUSES, CATEGORIES, CHANNELS, GUIDELINES, SEVERITIES } from '../policy/types';
import { INCIDENT_COMPONENTS } from '../../workflows/contracts';

const text = (max: number) => z.string().trim().min(1).max(max);

/** Body of POST /cases. */
export const openCaseBody = z.strictObject({
  channel: z.enum(CHANNELS),
  customer: z.strictObject({
    name: text(200),
    email: z.email().max(254),
    stripeCustomerId: z
      .string()
      .regex(/^cus_[A-Za-z0-9_]{1,64}$/)
      .optional(),
  }),
  subject: text(200),
  description: text(10_000),
  bookingId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  paymentIntentId: z
    .string()
    .regex(/^pi_[A-Za-z0-9_]{1,64}$/)
    .optional(),
  category: z.enum(CATEGORIES).optional(),
});

/** Body of POST /cases/:caseId/assign; no body assigns the caller. */
export const assignBody = z.strictObject({ agent: text(120).optional() });
/** Body of POST /cases/:caseId/reply. */
export const replyBody = z.strictObject({ message: text(10_000) });
/** Body of POST /cases/:caseId/verification-request. */
export const emptyBody = z.strictObject({});
/** Body of POST /cases/:caseId/checklist/:stepId/complete. */
export const completeStepBody = z.strictObject({
  note: text(2_000).optional(),
  evidence: z
    .strictObject({ email: z.email(), last4: z.string().regex(/^\d{4}$/, 'last4 must be 4 digits') })
    .optional(),
});
/** Body of POST /cases/:caseId/checklist/:stepId/skip. */
export const skipStepBody = z.strictObject({ note: text(2_000) });
/** Body of POST /cases/:caseId/category. */
export const categoryBody = z.strictObject({ category: z.enum(CATEGORIES) });
/** Body of POST /cases/:caseId/notes. */
export const noteBody = z.strictObject({ text: text(10_000) });
/** Body of POST /cases/:caseId/wait-for-customer. */
export const waitBody = z.strictObject({ note: text(2_000).optional() });
/** Body of POST /cases/:caseId/customer-replies. */
export const customerReplyBody = z.strictObject({ message: text(20_000) });
/** Body of POST /cases/:caseId/resolve: the Issue Resolved template's blanks. */
export const resolveBody = z.strictObject({
  actionTaken: text(500),
  expectedResult: text(500),
  specificAction: text(500),
});
/** Body of POST /cases/:caseId/reopen. */
export const reopenBody = z.strictObject({ reason: text(2_000) });
/** Body of POST /cases/:caseId/close. */
export const closeBody = z.strictObject({ reason: text(2_000).optional() });
/**
 * Body of POST /csat/:token (JSON or a browser form). The rating is a JSON number, or the digits a
 * form posts; never coerced from anything else (`true` or `[5]` are not ratings).
 */
export const csatBody = z.strictObject({
  rating: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^[0-9]{1,2}$/, 'rating: a whole number from 1 to 5')
        .transform(Number),
    ])
    .pipe(z.number().int().min(1).max(5)),
  comment: z.string().trim().max(2_000).optional(),
});
/** Query of GET /cases. */
export const listQuery = z.strictObject({
  status: z.enum(CASE_STATUSES).optional(),
  category: z.enum([...CATEGORIES, 'uncategorized']).optional(),
  channel: z.enum(CHANNELS).optional(),
  assignee: z
    .string()
    .regex(/^[\p{L}\p{N} .'-]{1,120}$/u, "assignee: letters, digits, spaces and . ' - only")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** Query of GET /cases/:caseId/timeline: entries older than `before` (a seq), newest first. */
export const timelineQuery = z.strictObject({
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'before: a seq, as the last page answered in next')
    .transform(Number)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** Idempotency-Key header. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key: 1 to 255 visible ASCII characters');

const severity = z.enum(SEVERITIES);
/** Body of POST /cases/:caseId/escalate: the seed's template; which fields are required depends on the severity. */
export const escalateBody = z.strictObject({
  severity: severity.optional(),
  title: text(150).optional(),
  affectedUsers: text(500).optional(),
  issue: text(5_000).optional(),
  /** One step per entry, or one text with a step per line. */
  stepsToReproduce: z.union([z.array(text(500)).max(30), text(10_000)]).optional(),
  userImpact: text(2_000).optional(),
  whatTried: text(2_000).optional(),
});
/** Body of POST /cases/:caseId/escalation-triggers. */
export const triggerBody = z.strictObject({
  trigger: z.string().regex(/^[a-z0-9-]{1,60}$/, 'trigger: a trigger id such as oauth'),
  note: text(2_000).optional(),
});
/** Body of POST /cases/:caseId/escalations/:escalationId/ack. */
export const ackBody = z.strictObject({});
/** Body of POST /cases/:caseId/escalations/:escalationId/resolve. */
export const resolveEscalationBody = z.strictObject({ note: text(2_000).optional() });
/** Body of POST /cases/:caseId/escalations/:escalationId/severity. */
export const severityBody = z.strictObject({ severity, reason: text(2_000) });

const cents = z.number().int().min(0).max(100_000_000);
/** Body of POST /cases/:caseId/compensation: a guideline of the policy, or custom with a reason. */
export const compensationBody = z.strictObject({
  guideline: z.enum([...GUIDELINES, 'custom']),
  creditCents: cents.optional(),
  refundCents: cents.optional(),
  reason: text(1_000).optional(),
  issue: text(300).optional(),
  /** The pending compensation (its number) this proposal changes; without it, a new compensation. */
  amends: z.number().int().min(1).max(9999).optional(),
});
/** Body of POST /approvals/:approvalId/decision: it names the amount, so a stale decision is refused. */
export const approvalDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  amountCents: cents,
  note: text(1_000).optional(),
});
/** Query of GET /approvals. */
export const approvalsQuery = z.strictObject({
  overCents: z.coerce.number().int().min(0).optional(),
  /** Only the approvals an incident's resolution proposed (its outage compensation batch). */
  incident: z
    .string()
    .regex(/^INC-[A-Z0-9]{8}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** The `payload` of a Slack block_actions interaction, as far as approvals and acknowledgements read it. */
export const slackInteractionPayload = z.object({
  type: z.string(),
  user: z.object({
    id: z.string().max(64),
    username: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
  }),
  trigger_id: z.string().max(200).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().max(255),
        value: z.string().max(2000).optional(),
        action_ts: z.string().max(64).optional(),
      }),
    )
    .min(1),
});
/** An escalation's Acknowledge button's value: the case and the escalation. */
export const escalationButtonValue = z.strictObject({
  caseId: z.string().regex(/^ES-[A-Z0-9]{6,20}$/),
  escalationId: z.string().regex(/^esc-\d{1,6}$/),
});
/** An incident thread's Acknowledge button value. */
export const incidentButtonValue = z.strictObject({ incidentId: z.string().regex(/^INC-[A-Z0-9]{8}$/) });
/** An Approve/Reject button's value. */
export const approvalButtonValue = z.strictObject({ approvalId: z.string().max(64), amountCents: cents });
/** A Stripe event envelope (Stripe adds fields over time, so unknown ones are allowed). */
export const stripeEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,255}$/),
  type: z.string().max(100),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date or date-time');
/** Query of GET /metrics/summary: [from, to), default the last 7 days. */
export const metricsQuery = z.strictObject({ from: isoDate.optional(), to: isoDate.optional() });
/** Query of GET /metrics/live: none. */
export const liveMetricsQuery = z.strictObject({});
/** Query of GET /reports/weekly. */
export const weeklyReportQuery = z.strictObject({
  week: z.string().regex(WEEK_PATTERN, 'week: like 2026-W48').optional(),
});
/** Query of GET /cases/:caseId/messages: the page after message n, or before it (oldest first). */
export const messagesQuery = z
  .strictObject({
    after: z.coerce.number().int().min(0).optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.after === undefined || q.before === undefined, 'give after or before, not both');

// ---- incidents ----
const caseIdSchema = z.string().regex(/^ES-[A-Z0-9]{10}$/, 'a case id is ES- and 10 letters or digits');
/** Body of POST /incidents. */
export const openIncidentBody = z.strictObject({
  title: text(200),
  severity: z.enum(SEVERITIES),
  area: z
    .strictObject({
      category: z.enum(CATEGORIES).optional(),
      component: z.enum(INCIDENT_COMPONENTS).optional(),
    })
    .refine((a) => a.category !== undefined || a.component !== undefined, 'name a category or a component'),
  publicSummary: text(2_000).optional(),
  cases: z.array(caseIdSchema).max(500).optional(),
});
/** Query of GET /incidents. */
export const incidentListQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'dismissed', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** Body of POST /incidents/:incidentId/status. */
export const incidentStatusBody = z.strictObject({
  status: z.enum(['investigating', 'identified', 'monitoring', 'dismissed']),
  note: text(2_000).optional(),
  /** Confirming a suspected incident may set its severity (its ladder starts at it). */
  severity: z.enum(SEVERITIES).optional(),
});
/** Body of POST /incidents/:incidentId/ack. */
export const incidentAckBody = z.strictObject({});
/** Body of POST /incidents/:incidentId/approvals/decision: one decision for the incident's pending approvals. */
export const incidentBatchDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  note: text(2_000).optional(),
});
/** Body of POST /incidents/:incidentId/notes. */
export const incidentNoteBody = z.strictObject({ text: text(5_000) });
/** Body of POST /incidents/:incidentId/cases. */
export const incidentCasesBody = z
  .strictObject({
    link: z.array(caseIdSchema).max(500).optional(),
    unlink: z.array(caseIdSchema).max(500).optional(),
    /** Linked cases that stay open when the incident resolves. */
    optOut: z.array(caseIdSchema).max(500).optional(),
    optIn: z.array(caseIdSchema).max(500).optional(),
  })
  .refine(
    (b) => (b.link?.length ?? 0) + (b.unlink?.length ?? 0) + (b.optOut?.length ?? 0) + (b.optIn?.length ?? 0) > 0,
    'name cases to link, unlink, opt out or opt in',
  );
/** Body of POST /incidents/:incidentId/updates. */
export const incidentUpdateBody = z.strictObject({
  text: text(5_000),
  status: z.enum(['investigating', 'identified', 'monitoring']).optional(),
});
/** Body of POST /incidents/:incidentId/resolve. */
export const incidentResolveBody = z.strictObject({
  fix: text(5_000),
  /** Propose the seed's "Full refund + 10% credit" on every linked case with a booking payment. */
  compensate: z.literal('service_outage').optional(),
});
/** A PagerDuty v3 webhook (only the fields the product reads). */
export const pagerDutyWebhook = z.object({
  event: z.object({
    id: z.string().max(200),
    event_type: z.string().max(100),
    resource_type: z.string().max(100).optional(),
    agent: z.object({ id: z.string().max(100).optional(), summary: z.string().max(200).optional() }).nullish(),
    data: z.object({ id: z.string().max(100).optional(), incident_key: z.string().max(300).nullish() }).passthrough(),
  }),
});
/** Body of POST /chat/:token/messages: what the customer wrote on the chat page. */
export const chatMessageBody = z.strictObject({ text: text(4_000) });
/** Query of GET /chat/:token/events: resume after message n (a reconnect's Last-Event-ID wins). */
export const chatEventsQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,9}$/, 'after: a message number')
    .transform(Number)
    .optional(),
});
/** A Last-Event-ID header: the number of the last message the client has. */
export const lastEventId = z.string().regex(/^\d{1,9}$/, 'Last-Event-ID must be a message number');
// Inbound e-mail (src/inbound/, src/api/routes/inbound.ts).
const brevoText = (max: number) => z.string().max(max).nullish();
const brevoAddress = z.looseObject({ Name: brevoText(500), Address: brevoText(500) });
/** One e-mail of Brevo's inbound parsing webhook (their field names; unknown fields are kept, not refused). */
export const brevoInboundItem = z.looseObject({
  Uuid: z.union([z.array(z.string().max(200)).max(50), z.string().max(200)]).nullish(),
  MessageId: brevoText(2_000),
  InReplyTo: brevoText(2_000),
  From: brevoAddress.nullish(),
  To: z.array(brevoAddress).max(500).nullish(),
  Cc: z.array(brevoAddress).max(500).nullish(),
  ReplyTo: brevoAddress.nullish(),
  SentAtDate: brevoText(200),
  Subject: brevoText(10_000),
  RawHtmlBody: brevoText(5_000_000),
  RawTextBody: brevoText(5_000_000),
  ExtractedMarkdownMessage: brevoText(5_000_000),
  ExtractedMarkdownSignature: brevoText(1_000_000),
  Attachments: z
    .array(
      z.looseObject({
        Name: brevoText(1_000),
        ContentType: brevoText(500),
        ContentLength: z.number().int().min(0).nullish(),
        ContentID: brevoText(1_000),
        DownloadToken: brevoText(2_000),
      }),
    )
    .max(200)
    .nullish(),
  Headers: z
    .record(z.string().max(500), z.union([z.string().max(100_000), z.array(z.string().max(100_000)).max(100)]))
    .nullish(),
});
/** Body of POST /inbound/email/brevo: Brevo's inbound parsing webhook, `{ items: [...] }`. */
export const brevoInboundBody = z.looseObject({ items: z.array(brevoInboundItem).min(1).max(100) });
/** Query of GET /inbound/rejected. */
export const rejectedQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });
/** Body of POST /policy/calendars/:calendarId: the whole calendar, as the policy holds it. */
export const calendarBody = z.strictObject({
  name: text(200),
  timeZone: z.string().min(1).max(100),
  alwaysOpen: z.boolean().optional(),
  hours: z
    .array(
      z.strictObject({
        day: z.number().int().min(0).max(6),
        open: z.string().regex(/^\d{2}:\d{2}$/),
        close: z.string().regex(/^\d{2}:\d{2}$/),
      }),
    )
    .max(50),
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).max(400),
});
/** Body of POST /deployments (CI/CD). */
export const deploymentBody = z.strictObject({
  service: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'service: letters, digits, . _ - only'),
  version: z.string().min(1).max(100),
  at: isoDate.optional(),
  link: z.url().max(2_000).optional(),
});
/** Query of GET /deployments. */
export const deploymentsQuery = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(6),
});
