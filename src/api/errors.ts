// The one place that maps failures to HTTP: unknown case 404, refused update 409/422, bad body
// 400, missing or bad token 401, wrong role 403. Bodies are { error: { code, message } }.
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../workflows/contracts';

/** An error that already knows its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FAILURE_STATUS: Record<string, [number, string]> = {
  [FailureType.StatusForbids]: [409, 'status_forbids'],
  [FailureType.AlreadyDone]: [409, 'already_done'],
  [FailureType.InvalidAction]: [422, 'invalid_action'],
  [FailureType.ApprovalNotPermitted]: [403, 'approval_not_permitted'],
  [FailureType.StaleApproval]: [409, 'stale_approval'],
  [FailureType.IdempotencyKeyReused]: [422, 'idempotency_key_reused'],
  [FailureType.InvalidIncidentAction]: [422, 'invalid_action'],
  [FailureType.IncidentStatusForbids]: [409, 'status_forbids'],
};

/** Status, code and message for anything a route may throw. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const [status, code] = FAILURE_STATUS[err.cause.type ?? ''] ?? [422, 'invalid_action'];
    return new HttpError(status, code, err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpError(404, 'not_found', 'no such case');
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return new HttpError(409, 'conflict', 'a case with this id already exists');
  const e = err as { status?: number; type?: string; message?: string; code?: number; details?: string };
  if (e?.type === 'entity.parse.failed') return new HttpError(400, 'bad_json', 'the body is not valid JSON');
  if (e?.type === 'entity.too.large') return new HttpError(413, 'too_large', 'the body is too large');
  // gRPC FAILED_PRECONDITION / NOT_FOUND from an update or signal on a finished case.
  if (typeof e?.message === 'string' && /workflow execution already completed/i.test(e.message)) {
    return new HttpError(409, 'case_archived', 'the case is archived: its reopen window has ended');
  }
  return new HttpError(500, 'internal', 'internal error');
}

/** The JSON body of an error response. */
export const errorBody = (e: HttpError) => ({ error: { code: e.code, message: e.message } });
