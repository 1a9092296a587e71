// Incidents: outages and known issues that link many cases. One workflow per incident; the known
// issues list is a visibility query; every action is one Update, idempotent by Idempotency-Key.
import type { UpdateDefinition, WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod/v4';
import {
  acknowledgeIncidentUpdate,
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
import { incidentEscalationOf } from '../../policy/incidents';
import { decidableTiers } from '../../policy/compensation';
import type { Permission, Severity } from '../../policy/types';
import { approvalEntry, decideApproval, pendingApprovalsQuery } from './compensation';
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

/** How many approvals of an incident's batch are decided at once. */
const BATCH_CONCURRENCY = 8;

export function incidentRoutes(env: RouteEnv): RouteDef[] {
  const { client, config } = env;
  /** The ladder an incident of this severity runs, from the policy and the deployment's channel. */
  const escalationOf = (severity: Severity) =>
    incidentEscalationOf(env.policy, severity, {
      channel: config.slack.escalationsChannel,
      publicBaseUrl: config.publicBaseUrl,
    }) ?? undefined;
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
    toUpdate: (
      b: B,
      caller: Actor,
      view?: IncidentView,
    ) => { def: UpdateDefinition<IncidentView, [never]>; input: unknown },
    permission: Permission = 'incident.manage',
    needsView = false,
  ): RouteDef => ({
    method: 'post',
    path,
    summary,
    permission,
    body,
    headers: [IDEMPOTENCY_KEY_HEADER],
    async handle(ctx: Ctx) {
      const view = needsView ? await viewOf(ctx.params.incidentId).catch(() => undefined) : undefined;
      const { def, input } = toUpdate(ctx.body as B, ctx.caller!, view);
      const handle = handleOf(ctx.params.incidentId);
      try {
        const { result, headers } = await runCaseUpdate(handle, def, input, {
          callerId: ctx.caller!.id,
          key: idempotencyKeyOf(ctx),
        });
        env.knownIssues.changed();
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
          escalation: escalationOf(body.severity),
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
        env.knownIssues.changed();
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
      (b, actor, view) => ({
        def: setIncidentStatusUpdate as UpdateDefinition<IncidentView, [never]>,
        // Confirming starts the ladder of the (new) severity, as the policy has it now.
        input: {
          actor,
          ...b,
          ...(view && b.status !== 'dismissed' ? { escalation: escalationOf(b.severity ?? view.severity) } : {}),
        },
      }),
      'incident.manage',
      true,
    ),
    action(
      '/incidents/:incidentId/ack',
      "Acknowledge the incident's page: stops its ladder and every linked case's engineering clock",
      s.incidentAckBody,
      (_b, actor) => ({
        def: acknowledgeIncidentUpdate as UpdateDefinition<IncidentView, [never]>,
        input: { actor },
      }),
      'escalation.ack',
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
        input: { actor, fix: b.fix, ...(b.compensate ? { compensate: b.compensate } : {}) },
      }),
    ),
    {
      method: 'post',
      path: '/incidents/:incidentId/approvals/decision',
      summary:
        "Decide the incident's outage compensation batch: one decision, recorded on each case as its own approval",
      permission: 'approval.decide',
      body: s.incidentBatchDecisionBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const b = ctx.body as z.infer<typeof s.incidentBatchDecisionBody>;
        const incidentId = ctx.params.incidentId;
        if (!INCIDENT_ID_PATTERN.test(incidentId)) throw new HttpError(404, 'not_found', 'no such incident');
        const key = idempotencyKeyOf(ctx);
        if (!key) throw new HttpError(400, 'idempotency_key_required', 'a batch decision needs an Idempotency-Key');
        const caller = ctx.caller!;
        const tiers = decidableTiers(env.policy, caller.role).map((t) => t.role);
        if (tiers.length === 0) throw new HttpError(403, 'forbidden', 'this role decides no approvals');
        const pending: { approvalId: string; caseId: string; amountCents: number }[] = [];
        const query = pendingApprovalsQuery(tiers, caller, { incident: incidentId, limit: 200 });
        for await (const wf of client.workflow.list({ query, pageSize: 200 })) {
          const e = approvalEntry(wf);
          if (typeof e.approvalId === 'string' && typeof e.amountCents === 'number')
            pending.push({ approvalId: e.approvalId, caseId: String(e.caseId), amountCents: e.amountCents });
          if (pending.length >= 5_000) break;
        }
        // Each case records its own approval, keyed by the batch's key and the approval id.
        const decided: { approvalId: string; caseId: string; amountCents: number }[] = [];
        const refused: { approvalId: string; caseId: string; reason: string }[] = [];
        let next = 0;
        const worker = async () => {
          while (next < pending.length) {
            const p = pending[next++];
            try {
              await decideApproval(
                env,
                {
                  actor: caller,
                  approvalId: p.approvalId,
                  decision: b.decision,
                  amountCents: p.amountCents,
                  ...(b.note ? { note: b.note } : {}),
                  via: 'api',
                },
                `${key}:${p.approvalId}`,
              );
              decided.push(p);
            } catch (err) {
              refused.push({
                approvalId: p.approvalId,
                caseId: p.caseId,
                reason: (err as Error).message.slice(0, 300),
              });
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, pending.length) }, worker));
        return { body: { incidentId, decision: b.decision, decided, refused } };
      },
    },
  ];
}
