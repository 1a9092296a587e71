// Incidents: outages and known issues that link many cases. One workflow per incident; the known
// issues list is a visibility query; every action is one Update, idempotent by Idempotency-Key.
import type { UpdateDefinition, WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod/v4';
import {
  addIncidentNoteUpdate,
  INCIDENT_ID_PATTERN,
  INCIDENT_WORKFLOW_TYPE,
  incidentViewQuery,
  incidentWorkflowId,
  linkIncidentCasesUpdate,
  OPEN_INCIDENT_STATUSES,
  postIncidentUpdateUpdate,
  resolveIncidentUpdate,
  setIncidentStatusUpdate,
  type Actor,
  type IncidentInput,
  type IncidentView,
} from '../../../workflows/contracts';
import type { Permission } from '../../policy/types';
import { newIncidentId } from '../case-ids';
import { HttpError } from '../errors';
import { recentDeployments } from './deployments';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyOf,
  REPLAYED,
  runCaseUpdate,
  type Ctx,
  type RouteDef,
  type RouteEnv,
} from '../route-table';
import * as s from '../schemas';

export function incidentRoutes(env: RouteEnv): RouteDef[] {
  const { client, config } = env;
  const handleOf = (incidentId: string): WorkflowHandle => {
    if (!INCIDENT_ID_PATTERN.test(incidentId)) throw new HttpError(404, 'not_found', 'no such incident');
    return client.workflow.getHandle(incidentWorkflowId(incidentId));
  };
  const viewOf = async (incidentId: string): Promise<IncidentView> => {
    try {
      return await handleOf(incidentId).query(incidentViewQuery);
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') throw new HttpError(404, 'not_found', 'no such incident');
      throw err;
    }
  };
  /** One incident action: an Update, idempotent by key, answered with the incident view. */
  const action = <B>(
    path: string,
    summary: string,
    body: z.ZodType<B>,
    toUpdate: (b: B, caller: Actor) => { def: UpdateDefinition<IncidentView, [never]>; input: unknown },
    permission: Permission = 'incident.manage',
  ): RouteDef => ({
    method: 'post',
    path,
    summary,
    permission,
    body,
    headers: [IDEMPOTENCY_KEY_HEADER],
    async handle(ctx: Ctx) {
      const { def, input } = toUpdate(ctx.body as B, ctx.caller!);
      const handle = handleOf(ctx.params.incidentId);
      try {
        const { result, headers } = await runCaseUpdate(handle, def, input, {
          callerId: ctx.caller!.id,
          key: idempotencyKeyOf(ctx),
        });
        return { body: result, headers };
      } catch (err) {
        // A resolved incident's workflow has finished once its customers were told.
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        const closed = await handle.describe().then(
          (d) => d.status.name !== 'RUNNING',
          () => false,
        );
        if (closed) throw new HttpError(409, 'status_forbids', 'the incident is resolved');
        throw new HttpError(404, 'not_found', 'no such incident');
      }
    },
  });

  return [
    {
      method: 'post',
      path: '/incidents',
      summary: 'Open an incident (Idempotency-Key makes a retry return the same incident)',
      permission: 'incident.manage',
      body: s.openIncidentBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const body = ctx.body as z.infer<typeof s.openIncidentBody>;
        const key = idempotencyKeyOf(ctx);
        const incidentId = newIncidentId(key ? { caller: ctx.caller!.id, key } : undefined);
        const input: IncidentInput = {
          incidentId,
          title: body.title,
          severity: body.severity,
          area: body.area,
          ...(body.publicSummary ? { publicSummary: body.publicSummary } : {}),
          openedBy: ctx.caller!,
        };
        const handle = client.workflow.getHandle(incidentWorkflowId(incidentId));
        try {
          await client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
            workflowId: incidentWorkflowId(incidentId),
            taskQueue: config.temporal.taskQueue,
            args: [input],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            memo: {
              title: body.title,
              severity: body.severity,
              ...(body.area.component ? { component: body.area.component } : {}),
            },
            staticSummary: `Incident ${incidentId} · ${body.severity}`,
          });
        } catch (err) {
          if (key && (err as Error).name === 'WorkflowExecutionAlreadyStartedError')
            return { status: 200, body: await viewOf(incidentId), headers: REPLAYED };
          throw err;
        }
        if (body.cases?.length)
          await handle.executeUpdate(linkIncidentCasesUpdate, {
            args: [{ actor: ctx.caller!, link: body.cases }],
            updateId: `open:${incidentId}:link`,
          });
        return { status: 201, body: await viewOf(incidentId), headers: { Location: `/incidents/${incidentId}` } };
      },
    },
    {
      method: 'get',
      path: '/incidents',
      summary: 'Incidents from Temporal visibility; status=open is the known-issues list',
      permission: 'incident.read',
      query: s.incidentListQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.incidentListQuery>;
        const statuses: readonly string[] =
          q.status === 'open' ? OPEN_INCIDENT_STATUSES : q.status === 'all' ? [] : [q.status];
        const query =
          `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'` +
          (statuses.length ? ` AND IncidentStatus IN (${statuses.map((x) => `'${x}'`).join(', ')})` : '');
        const incidents: Record<string, unknown>[] = [];
        for await (const wf of client.workflow.list({ query, pageSize: q.limit })) {
          const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
          incidents.push({
            incidentId: wf.workflowId.replace(/^incident-/, ''),
            title: wf.memo?.title,
            severity: wf.memo?.severity,
            status: sa.IncidentStatus?.[0],
            category: sa.CaseCategory?.[0] === 'any' ? undefined : sa.CaseCategory?.[0],
            component: wf.memo?.component,
            openedAt: wf.startTime.toISOString(),
          });
          if (incidents.length >= q.limit) break;
        }
        return { body: { incidents } };
      },
    },
    {
      method: 'get',
      path: '/incidents/:incidentId',
      summary: 'The incident view, with the deploys of the last 6 hours',
      permission: 'incident.read',
      async handle(ctx) {
        const [view, deployments] = await Promise.all([viewOf(ctx.params.incidentId), recentDeployments(client, 6)]);
        return { body: { ...view, recentDeployments: deployments } };
      },
    },
    action(
      '/incidents/:incidentId/status',
      'Confirm, dismiss or move an incident on',
      s.incidentStatusBody,
      (b, actor) => ({
        def: setIncidentStatusUpdate as UpdateDefinition<IncidentView, [never]>,
        input: { actor, ...b },
      }),
    ),
    action('/incidents/:incidentId/notes', 'Add an internal note', s.incidentNoteBody, (b, actor) => ({
      def: addIncidentNoteUpdate as UpdateDefinition<IncidentView, [never]>,
      input: { actor, text: b.text },
    })),
    action(
      '/incidents/:incidentId/cases',
      'Link or unlink cases (agents too)',
      s.incidentCasesBody,
      (b, actor) => ({
        def: linkIncidentCasesUpdate as UpdateDefinition<IncidentView, [never]>,
        input: { actor, ...b },
      }),
      'incident.link',
    ),
    action(
      '/incidents/:incidentId/updates',
      'Post a public update: every linked customer gets it by e-mail, once',
      s.incidentUpdateBody,
      (b, actor) => ({
        def: postIncidentUpdateUpdate as UpdateDefinition<IncidentView, [never]>,
        input: { actor, ...b },
      }),
    ),
    action(
      '/incidents/:incidentId/resolve',
      'Resolve with the fix; every linked customer is told',
      s.incidentResolveBody,
      (b, actor) => ({
        def: resolveIncidentUpdate as UpdateDefinition<IncidentView, [never]>,
        input: { actor, fix: b.fix },
      }),
    ),
  ];
}
