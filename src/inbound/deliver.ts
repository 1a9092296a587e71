// The one intake of inbound e-mail, whichever way it came in: stores the attachments, decides
// (intake.ts) and makes the Temporal call: a customerReply signal to the case the message answers,
// or the start of a new e-mail case, or (nothing to place it in) keeps it as rejected. It returns
// only once the message is durably in Temporal or on disk; a Temporal failure is thrown, so the
// sender (an SMTP client: 451, Brevo: 5xx) delivers again, and a redelivery changes nothing.
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { SupportPolicy } from '../policy/types';
import { newCaseId } from '../api/case-ids';
import { knownIssues } from '../api/known-issues';
import { caseOpener, type OpenCase } from '../api/open-case';
import { caseWorkflowId, customerReplySignal } from '../../workflows/contracts';
import {
  afterFinishedCase,
  caseKeyOf,
  customerReplyOf,
  decide,
  messageKey,
  newCaseInputOf,
  type Decision,
} from './intake';
import type { InboundMessage } from './message';
import { attachmentStore, rejectedStore, type AttachmentStore, type RejectedStore } from './stores';

/** What became of a message. */
export type IntakeOutcome =
  | { outcome: 'replied'; caseId: string; automatic?: 'auto_reply' | 'bounce' }
  | { outcome: 'opened'; caseId: string }
  /** A redelivery of a message that opened (or tried to open) this case before: nothing new. */
  | { outcome: 'duplicate'; caseId: string }
  | { outcome: 'rejected'; id: string; reason: string };

/** What intake acts through. */
export interface IntakeDeps {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  attachments: AttachmentStore;
  rejected: RejectedStore;
  /** Opens a new case (linked to its known issue, if one is open); made from the client when not given. */
  openCase: OpenCase;
}

/** The intake of a process, over its one Temporal client and the configured stores. */
export interface Intake {
  /** Places one message; `raw` is what arrived (the .eml, Brevo's item) for the rejected store. */
  deliver(msg: InboundMessage, raw: Buffer | string): Promise<IntakeOutcome>;
  /** Keeps a message the product could not even read (unparseable MIME). */
  reject(
    via: InboundMessage['via'],
    raw: Buffer | string,
    reason: string,
    meta?: { from?: string; subject?: string; messageId?: string },
  ): Promise<IntakeOutcome>;
  rejected: RejectedStore;
}

/** An intake from the process's config: file stores under ATTACHMENTS_DIR and INBOUND_REJECTED_DIR. */
export function createIntake(
  deps: Omit<IntakeDeps, 'attachments' | 'rejected' | 'openCase'> & Partial<IntakeDeps>,
): Intake {
  const full: IntakeDeps = {
    attachments: attachmentStore(deps.config.inbound.attachmentsDir, deps.config.inbound.maxAttachmentBytes),
    rejected: rejectedStore(deps.config.inbound.rejectedDir),
    ...deps,
    openCase:
      deps.openCase ??
      caseOpener({
        ...deps,
        knownIssues: knownIssues(deps.client, deps.config.temporal.taskQueue, deps.config.incidents),
      }),
  };
  return {
    deliver: (msg, raw) => deliverInbound(full, msg, raw),
    async reject(via, raw, reason, meta = {}) {
      const key = `raw:${createHash('sha256').update(raw).digest('hex')}`;
      const kept = await full.rejected.keep({ via, key, raw, reason, ...meta });
      return { outcome: 'rejected', id: kept.id, reason };
    },
    rejected: full.rejected,
  };
}

/** How long placing one message may take before the sender is told to try again (SMTP 451, HTTP 503). */
export const PLACE_TIMEOUT_MS = 20_000;

/**
 * The promise, or a rejection after `ms`: a Temporal server that hangs (rather than refuses) must
 * not hold the sender's connection open. The work may still finish; a redelivery then changes nothing.
 */
export function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not placed within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A signal or query on a case that has finished (or never existed). */
const finished = (err: unknown) =>
  err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error)?.message ?? '');

/** Places one message (see the file comment). */
export async function deliverInbound(
  deps: IntakeDeps,
  msg: InboundMessage,
  raw: Buffer | string,
): Promise<IntakeOutcome> {
  const { client, config, policy } = deps;
  let decision: Decision = decide(msg, config.inbound.supportAddress);
  const keep = async (reason: string): Promise<IntakeOutcome> => {
    const kept = await deps.rejected.keep({
      via: msg.via,
      key: messageKey(msg),
      raw,
      reason,
      ...(msg.from.address ? { from: msg.from.address } : {}),
      ...(msg.subject ? { subject: msg.subject } : {}),
      ...(msg.messageId ? { messageId: msg.messageId } : {}),
    });
    return { outcome: 'rejected', id: kept.id, reason };
  };
  if (decision.action === 'reject') return keep(decision.reason);

  const attachments = await deps.attachments.keep(msg.attachments);
  let followUpOf: string | undefined;
  if (decision.action === 'reply') {
    try {
      await client.workflow
        .getHandle(caseWorkflowId(decision.caseId))
        .signal(customerReplySignal, customerReplyOf(msg, attachments, decision.automatic));
      return {
        outcome: 'replied',
        caseId: decision.caseId,
        ...(decision.automatic ? { automatic: decision.automatic.kind } : {}),
      };
    } catch (err) {
      if (!finished(err)) throw err;
      followUpOf = decision.caseId;
      decision = afterFinishedCase(decision, msg);
      if (decision.action === 'reject') return keep(decision.reason);
    }
  }

  const caseId = newCaseId(caseKeyOf(msg));
  const { opened } = await deps.openCase(
    newCaseInputOf(msg, { caseId, attachments, openedAt: new Date().toISOString() }),
    {
      summary: `Support case ${caseId} · email`,
      details: `Opened by an inbound e-mail (${msg.via})${followUpOf ? `, a reply to case ${followUpOf}, which had finished` : ''}. Case view: ${config.publicBaseUrl}/cases/${caseId}`,
    },
  );
  return opened ? { outcome: 'opened', caseId } : { outcome: 'duplicate', caseId };
}
