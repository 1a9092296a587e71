// Checks of signal payloads, run inside the workflow. A signal cannot be refused the way an Update
// can, so a case checks what arrives and records a bad payload instead of acting on it. Small
// hand-written checks rather than a schema library: every cached workflow holds its own copy of
// the bundle's module-level state (DESIGN.md, decision 16).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;
const optStr = (v: unknown, max = 10_000) => v === undefined || isStr(v, max);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const arrayOf = (v: unknown, item: (x: unknown) => boolean) => Array.isArray(v) && v.length <= 200 && v.every(item);

/** A customer message relayed by intake: `{ message, at? }`. */
export function checkCustomerReply(i: unknown): string | null {
  if (!isObj(i) || !isStr(i.message, 100_000)) return 'a customer reply needs a message text';
  if (!optStr(i.at, 40)) return 'at must be a timestamp';
  if (!optStr(i.idempotencyKey, 600)) return 'idempotencyKey must be a string';
  if (i.via !== undefined && !['email', 'chat', 'in_app'].includes(i.via as string))
    return 'via must be email, chat or in_app';
  if (!optStr(i.html, 500_000)) return 'html must be a string';
  if (!optStr(i.subject, 1_000)) return 'subject must be a string';
  if (!optStr(i.messageId, 1_000) || !optStr(i.inReplyTo, 1_000)) return 'messageId and inReplyTo must be strings';
  if (i.references !== undefined && !arrayOf(i.references, (r) => isStr(r, 1_000))) return 'references must be strings';
  if (
    i.attachments !== undefined &&
    !arrayOf(
      i.attachments,
      (a) => isObj(a) && isStr(a.name, 500) && isNum(a.size) && isStr(a.type, 200) && isStr(a.ref, 1_000),
    )
  )
    return 'attachments must be { name, size, type, ref }';
  if (i.automatic !== undefined && i.automatic !== 'auto_reply' && i.automatic !== 'bounce')
    return 'automatic must be auto_reply or bounce';
  return null;
}

const isChannel = (c: unknown) =>
  isObj(c) &&
  isStr(c.id) &&
  isNum(c.firstResponseMinutes) &&
  isStr(c.calendarId) &&
  (c.nextReplyMinutes === undefined || isNum(c.nextReplyMinutes));
const isRung = (r: unknown) =>
  isObj(r) && isStr(r.via) && isStr(r.target) && optStr(r.contactId, 200) && optStr(r.ackChannelId, 200);
const isSeverity = (s: unknown) =>
  isObj(s) && isStr(s.id) && isNum(s.responseMinutes) && isStr(s.calendarId) && arrayOf(s.ladder, isRung);
const isCalendarShape = (c: unknown) => isObj(c) && isStr(c.id) && isStr(c.timeZone) && Array.isArray(c.hours);

/** A changed planning policy: `{ policy: { version, calendars, channels, severities, resolutionTargetMinutes }, by? }`. */
export function checkPolicyChanged(i: unknown): string | null {
  if (!isObj(i) || !isObj(i.policy)) return 'policyChanged needs a policy object';
  const p = i.policy;
  if (!isStr(p.version, 200)) return 'policy.version must be a string';
  if (!arrayOf(p.calendars, isCalendarShape)) return 'policy.calendars must be calendars with id, timeZone and hours';
  if (!arrayOf(p.channels, isChannel))
    return 'policy.channels must be channels with id, firstResponseMinutes and calendarId';
  if (!arrayOf(p.severities, isSeverity))
    return 'policy.severities must be severities with id, responseMinutes, calendarId and a ladder';
  if (!isNum(p.resolutionTargetMinutes)) return 'policy.resolutionTargetMinutes must be a number';
  if (!optStr(i.by, 200)) return 'by must be a string';
  return null;
}

/** A changed business calendar: `{ calendar, by? }`. */
export function checkCalendarChanged(i: unknown): string | null {
  if (!isObj(i) || !isCalendarShape(i.calendar)) return 'calendarChanged needs a calendar with id, timeZone and hours';
  if (!optStr(i.by, 200)) return 'by must be a string';
  return null;
}

/** A Stripe event for a case: `{ id, type, objectId, ... }`. */
export function checkStripeEvent(i: unknown): string | null {
  if (!isObj(i) || !isStr(i.id, 255) || !isStr(i.type, 100) || !isStr(i.objectId, 255))
    return 'a Stripe event needs id, type and objectId';
  for (const k of [
    'paymentIntentId',
    'chargeId',
    'currency',
    'status',
    'reason',
    'failureReason',
    'declineCode',
    'declineMessage',
  ]) {
    if (!optStr(i[k], 1000)) return `${k} must be a string`;
  }
  if (i.amountCents !== undefined && !isNum(i.amountCents)) return 'amountCents must be a number';
  return null;
}

/** An approval decision sent as a signal: `{ actor, approvalId, decision, amountCents, note?, signature?, expiresAt? }`. */
export function checkApprovalDecision(i: unknown): string | null {
  if (!isObj(i) || !isStr(i.approvalId, 100) || !isNum(i.amountCents))
    return 'the signal needs approvalId, decision, amountCents and actor';
  if (i.decision !== 'approve' && i.decision !== 'reject') return 'decision must be approve or reject';
  if (!isObj(i.actor) || !isStr(i.actor.id, 200) || !isStr(i.actor.name, 200) || !isStr(i.actor.role, 50))
    return 'the signal needs an actor';
  if (!optStr(i.note, 2000)) return 'note must be a string';
  if (!optStr(i.signature, 200)) return 'signature must be a string';
  if (!optStr(i.expiresAt, 40)) return 'expiresAt must be a timestamp';
  return null;
}

/** A notice from an incident: `{ incidentId, title, kind, n?, text?, severity? }`. */
export function checkIncidentNotice(i: unknown): string | null {
  if (!isObj(i) || !isStr(i.incidentId, 40) || !/^INC-[A-Z0-9]{8}$/.test(i.incidentId))
    return 'incidentId must be INC-XXXXXXXX';
  if (!isStr(i.title, 1_000)) return 'title must be a string';
  if (!['linked', 'unlinked', 'proposed', 'active', 'acknowledged', 'update', 'resolved'].includes(i.kind as string))
    return 'kind must be linked, unlinked, proposed, active, acknowledged, update or resolved';
  if (i.by !== undefined && !isStr(i.by, 300)) return 'by must be a string';
  if (i.compensate !== undefined && i.compensate !== 'service_outage') return 'compensate must be service_outage';
  if (
    i.actor !== undefined &&
    (!isObj(i.actor) || !isStr(i.actor.id, 200) || !isStr(i.actor.name, 200) || !isStr(i.actor.role, 50))
  )
    return 'actor must be an actor';
  if ((i.kind === 'update' || i.kind === 'resolved') && (!isNum(i.n) || !isStr(i.text, 20_000)))
    return 'an update needs its number n and its text';
  if (i.severity !== undefined && !['P0', 'P1', 'P2', 'P3'].includes(i.severity as string)) return 'unknown severity';
  return null;
}
