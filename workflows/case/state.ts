// What the case lifecycle holds: the people on a case, its audit trail and e-mails, the core of the
// case view, the deployment settings it needs, and what it carries across continue-as-new.
import type { PaymentLookup } from '../../activities/stripe';
import type { PageKeys, PageOnCallInput } from '../../activities/pagerduty';
import type { NotifySlackInput, PostEscalationInput } from '../../activities/slack';
import type { StaffEmailInput } from '../../activities/staff-email';
import type { CategorySuggestion, ChecklistStep, RenderedEmail } from '../../src/policy/rules';
import type { Category, CaseStatus, Channel, Role, TemplateId } from '../../src/policy/types';

/** Someone acting on a case: a staff member from a token, the customer, or the system itself. */
export interface Actor {
  id: string;
  name: string;
  role: Role | 'customer' | 'system';
}

/** The customer of a case. */
export interface Customer {
  name: string;
  email: string;
  stripeCustomerId?: string;
}

/** One line of the case's audit trail. */
export interface TimelineEntry {
  /** 1, 2, 3... in the order things happened, across every run of the case (continue-as-new keeps counting). */
  seq: number;
  at: string;
  actor: Actor;
  action: string;
  detail?: string;
  /** A `note_added` entry's note text, so the trail (and the archive) holds every note. */
  note?: string;
}

/** An internal note; `seq` is its `note_added` entry's (notes written before bounded state have none). */
export interface NoteRecord {
  seq?: number;
  at: string;
  by: string;
  text: string;
}

/** An e-mail the case sent or is sending. */
export interface EmailRecord {
  n: number;
  templateId: TemplateId;
  subject: string;
  status: 'queued' | 'sent' | 'failed';
  queuedAt: string;
  sentAt?: string;
  messageId?: string;
  error?: string;
}

/** What the Stripe lookup found about the case's payment. */
export interface PaymentFacts extends PaymentLookup {
  paymentIntentId: string;
  checkedAt: string;
}

/** The lifecycle's part of the case view: intake, checklist, e-mails, audit trail, resolution and rating. */
export interface CaseCore {
  caseId: string;
  reference: string;
  status: CaseStatus;
  channel: Channel;
  category: Category | null;
  categorySuggestion: CategorySuggestion | null;
  subject: string;
  description: string;
  customer: Customer;
  bookingId?: string;
  paymentIntentId?: string;
  assignee: { id: string; name: string } | null;
  commonIssues: { id: string; title: string }[];
  checklist: ChecklistStep[];
  payment?: PaymentFacts;
  identity?: { verified: boolean; checkedAt: string; by: string };
  emails: EmailRecord[];
  /** The newest entries of the audit trail; older ones are in the archive (GET /cases/:caseId/timeline). */
  timeline: TimelineEntry[];
  /**
   * The seq of the newest entry that has left `timeline` for the archive (bounded case state);
   * absent while nothing has.
   */
  archivedThrough?: number;
  /** How many entries of each action have left `timeline` for the archive (so counts over the whole trail hold). */
  archivedActions?: Record<string, number>;
  /** The newest notes; every note is also in the trail, as its `note_added` entry. */
  notes: NoteRecord[];
  reopens: number;
  resolution?: { actionTaken: string; expectedResult: string; specificAction: string };
  csat: { surveySentAt?: string; rating?: number; comment?: string; ratedAt?: string; expiresAt?: string } | null;
  times: { openedAt: string; firstResponseAt?: string; resolvedAt?: string; closedAt?: string };
  policyVersion: string;
  /** Grows by one every time the case publishes its view (absent on cases started before small Update results). */
  version?: number;
}

/** Deployment settings the lifecycle needs; they come from config at open, since workflows never read env. */
export interface CoreSettings {
  adminBaseUrl: string;
  publicBaseUrl: string;
  /** Continue-as-new once history reaches this many events (default 2000); tests set it low. */
  continueAsNewAfterEvents?: number;
  /** How much of the trail and the notes the case keeps (default TRAIL_LIMITS); recordings set it low. */
  trailLimits?: Partial<TrailLimits>;
}

/** The headers that make a case e-mail a reply in the customer's own thread. */
export interface EmailThreading {
  inReplyTo: string;
  references: string[];
}

/**
 * How much of the audit trail and the notes a case keeps in its state (and so in its view and what
 * continue-as-new carries). The trail is archived down to `timelineKeep` entries and
 * `timelineKeepBytes` once it passes `timelineMax` entries or `timelineMaxBytes`; notes beyond the
 * newest `notesKeep` (and `notesKeepBytes`) leave the view at once, since the trail holds their text.
 */
export interface TrailLimits {
  timelineKeep: number;
  timelineMax: number;
  timelineKeepBytes: number;
  timelineMaxBytes: number;
  notesKeep: number;
  notesKeepBytes: number;
}

/** The limits a case keeps its trail and notes to: a few hundred entries, well under 256 KB together. */
export const TRAIL_LIMITS: TrailLimits = {
  timelineKeep: 200,
  timelineMax: 300,
  timelineKeepBytes: 64 * 1024,
  timelineMaxBytes: 96 * 1024,
  notesKeep: 100,
  notesKeepBytes: 48 * 1024,
};

/** An e-mail waiting in the outbox. */
export interface OutgoingEmail {
  n: number;
  surveyId?: string;
  rendered: RenderedEmail;
  threading?: EmailThreading;
}

/** What the lifecycle carries across continue-as-new, besides the view. */
export interface CoreState {
  /** Bumped on every resolution and reopen; survey ids carry it, so an old link dies with its epoch. */
  resolutionEpoch: number;
  closedAtMs: number;
  outbox: OutgoingEmail[];
  /** The seq of the newest trail entry (absent in states carried before bounded state: the last entry's). */
  lastSeq?: number;
  /** Idempotency keys of recent actions (the Update ids `<caller>:<key>`), so a retry after continue-as-new finds the first. */
  actionKeys?: ActionKey[];
}

/** One remembered action: its Update id, the fingerprint of its input, and when it ran (workflow time). */
export interface ActionKey {
  id: string;
  fp: string;
  atMs: number;
}

/** A queued staff notice (staff e-mail, Slack post, PagerDuty event); `ref` names the escalation rung it notifies. */
export type Effect = { id: number; ref?: { escalationId: string; k: number } } & (
  | { kind: 'staffEmail'; input: StaffEmailInput }
  | { kind: 'slackNotify'; input: NotifySlackInput }
  | { kind: 'postEscalation'; input: PostEscalationInput }
  | { kind: 'page'; input: PageOnCallInput }
  | { kind: 'acknowledgePage' | 'resolvePage'; input: PageKeys }
);

/** The staff-notice outbox as case state carries it (workflows/case/effects.ts runs it). */
export interface EffectsState {
  queue: Effect[];
  next: number;
}
