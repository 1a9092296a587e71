// Changing a business calendar for every open case at once: one Temporal batch operation that
// signals calendarChanged to each running case, instead of a script sending signals one at a time.
// Each case re-plans its clocks from the new calendar (and records calendar_changed).
import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { z } from 'zod/v4';
import { validateCalendar, type BusinessCalendar } from '../../policy/calendar';
import { CASE_WORKFLOW_TYPE, type CalendarChangedInput } from '../../../workflows/contracts';
import { HttpError } from '../errors';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, REPLAYED, type RouteDef, type RouteEnv } from '../route-table';
import * as s from '../schemas';

const CALENDAR_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const JOB_ID = /^calendar-[a-z0-9-]{1,63}-[a-f0-9-]{8,64}$/;

export function policyRoutes(env: RouteEnv): RouteDef[] {
  const { client, config } = env;
  const service = client.workflowService;
  return [
    {
      method: 'post',
      path: '/policy/calendars/:calendarId',
      summary: 'Change a business calendar on every open case at once (a Temporal batch operation)',
      permission: 'policy.admin',
      body: s.calendarBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const id = ctx.params.calendarId;
        if (!CALENDAR_ID.test(id)) throw new HttpError(404, 'not_found', 'no such calendar');
        if (!env.policy.calendars.some((c) => c.id === id))
          throw new HttpError(404, 'not_found', `the policy has no calendar '${id}'`);
        const calendar: BusinessCalendar = { id, ...(ctx.body as z.infer<typeof s.calendarBody>) } as BusinessCalendar;
        const problems = validateCalendar(calendar);
        if (problems.length) throw new HttpError(422, 'invalid_action', problems.join('; '));
        const key = idempotencyKeyOf(ctx);
        // The job id is the batch's idempotency: the same caller and key start one batch.
        const suffix = key
          ? createHash('sha256').update(`${ctx.caller!.id}\u0000${key}`).digest('hex').slice(0, 32)
          : randomUUID();
        const jobId = `calendar-${id}-${suffix}`;
        const input: CalendarChangedInput = { calendar, by: ctx.caller!.name };
        const query = `WorkflowType = '${CASE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
        try {
          await service.startBatchOperation({
            namespace: config.temporal.namespace,
            jobId,
            visibilityQuery: query,
            reason: `calendar ${id} changed by ${ctx.caller!.name}`,
            signalOperation: {
              signal: 'calendarChanged',
              input: { payloads: await encodeToPayloads(client.workflow.options.loadedDataConverter, input) },
              identity: `support-api:${ctx.caller!.id}`,
            },
          });
        } catch (err) {
          // gRPC ALREADY_EXISTS: this key's batch was started before.
          if (key && (err as { code?: number }).code === 6)
            return { status: 202, body: { jobId, calendarId: id }, headers: REPLAYED };
          throw err;
        }
        return { status: 202, body: { jobId, calendarId: id }, headers: { Location: `/policy/batches/${jobId}` } };
      },
    },
    {
      method: 'get',
      path: '/policy/batches/:jobId',
      summary: 'How far a calendar change has reached the open cases',
      permission: 'policy.admin',
      async handle(ctx) {
        const jobId = ctx.params.jobId;
        if (!JOB_ID.test(jobId)) throw new HttpError(404, 'not_found', 'no such batch');
        try {
          const d = await service.describeBatchOperation({ namespace: config.temporal.namespace, jobId });
          const state = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED'][Number(d.state ?? 0)] ?? 'UNSPECIFIED';
          return {
            body: {
              jobId,
              state: state.toLowerCase(),
              total: Number(d.totalOperationCount ?? 0),
              completed: Number(d.completeOperationCount ?? 0),
              failed: Number(d.failureOperationCount ?? 0),
            },
          };
        } catch (err) {
          if ((err as { code?: number }).code === 5) throw new HttpError(404, 'not_found', 'no such batch');
          throw err;
        }
      },
    },
  ];
}
