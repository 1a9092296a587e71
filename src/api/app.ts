// The HTTP API. Each route validates its input with a schema, makes one Temporal client call and
// maps the result; rules live in the workflow and the policy, never here.
import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec, UpdateDefinition } from '@temporalio/common';
import { codecRouter } from './codec-router';
import { createApiMetrics, type ApiMetrics } from '../observability/api-metrics';
import { logJson } from '../observability/log';
import { metricsRoutes } from './routes/metrics-routes';
import { z } from 'zod/v4';
import type { Config, TokenIdentity } from '../config';
import { verifySurveyToken } from '../security/csat-token';
import { roleMay } from '../policy/rules';
import type { Permission, SupportPolicy } from '../policy/types';
import {
  addNoteUpdate, assignUpdate, CASE_ID_PATTERN, caseViewQuery, caseWorkflowId, closeUpdate, completeStepUpdate,
  customerReplySignal, rateUpdate, reopenUpdate, replyUpdate, requestVerificationUpdate, resolveUpdate, setCategoryUpdate,
  skipStepUpdate, waitForCustomerUpdate, type Actor, type CaseInput, type CaseView,
} from '../../workflows/contracts';
import { CASE_WORKFLOW_TYPE, type SupportCaseWorkflow } from '../../workflows/contracts';
import { errorBody, HttpError, toHttpError } from './errors';
import * as s from './schemas';
import { renderSurveyPage, renderSurveyThanks } from './survey-page';
// ---- compensation (issue 4) ----
import { compensationRoutes } from './routes/compensation-routes';
// ---- escalation (issue 3) ----
import { escalationRoutes } from './routes/escalation-routes';

/** What route modules (src/api/routes/*.ts) build their routes from. */
export interface RouteEnv {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  /** The case's workflow handle; 404 for an id that cannot be a case. */
  handleFor(caseId: string): WorkflowHandle;
  viewOf(caseId: string): Promise<CaseView>;
  /** Staff who may work cases, from the configured tokens. */
  staff(): TokenIdentity[];
  /** A POST route that runs one case Update and answers with the case view. */
  caseAction<B>(path: string, summary: string, body: z.ZodType<B>, toUpdate: (ctx: Ctx & { body: B; caller: Actor }) => { def: UpdateDefinition<CaseView, [any]>; input: unknown }, permission?: Permission): RouteDef;
}

/** Route modules of features; each adds its routes to the app (append, keep the order). */
const ROUTE_MODULES: ((env: RouteEnv) => RouteDef[])[] = [
  // ---- escalation (issue 3) ----
  escalationRoutes,
  // ---- compensation (issue 4) ----
  compensationRoutes,
  // ---- metrics (issue 5) ----
  metricsRoutes,
];

/** What createApp needs: the process's one Temporal client, config and the policy new cases pin. */
export interface AppDeps { client: Client; config: Config; policy: SupportPolicy; log?: (entry: Record<string, unknown>) => void; codec?: PayloadCodec; metrics?: ApiMetrics }

/** What a route handler gets. */
export interface Ctx { params: Record<string, string>; body: unknown; query: unknown; caller: Actor | null; header(name: string): string | undefined; rawBody?: Buffer }
/** What a route handler returns. */
export interface Reply { status?: number; body: unknown; headers?: Record<string, string | undefined>; html?: string }
/** One route: method, path, who may call it, the schemas it validates with, and one client call. */
export interface RouteDef {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** null: public (no bearer token). */
  permission: Permission | null;
  body?: z.ZodType;
  query?: z.ZodType;
  handle(ctx: Ctx): Promise<Reply>;
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const actorOf = (who: TokenIdentity): Actor => ({ id: slug(who.name), name: who.name, role: who.role });

/** Case ids carry no personal data; with an Idempotency-Key the id is derived from it, so a retry finds the same case. */
export function newCaseId(idempotency?: { caller: string; key: string }): string {
  const bytes = idempotency
    ? createHash('sha256').update(`${idempotency.caller}\u0000${idempotency.key}`).digest()
    : randomBytes(16);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let id = '';
  for (let i = 0; i < 10; i++) id += alphabet[bytes[i] % alphabet.length];
  return `ES-${id}`;
}

export function createApp(deps: AppDeps): express.Express {
  const { client, config, policy } = deps;
  const log = deps.log ?? logJson;
  const metrics = deps.metrics ?? createApiMetrics();

  const handleFor = (caseId: string): WorkflowHandle => {
    if (!CASE_ID_PATTERN.test(caseId)) throw new HttpError(404, 'not_found', 'no such case');
    return client.workflow.getHandle(caseWorkflowId(caseId));
  };
  const viewOf = async (caseId: string): Promise<CaseView> => handleFor(caseId).query(caseViewQuery);
  const staff = () => Object.values(config.tokens).filter((t) => roleMay(policy, t.role, 'case.work'));

  /** An agent action: one Update, whose validator in the workflow refuses what the status forbids. */
  const routeEnv: RouteEnv = { client, config, policy, handleFor, viewOf, staff, caseAction: (...args) => caseAction(...args) };

  const caseAction = <B>(path: string, summary: string, body: z.ZodType<B>, toUpdate: (ctx: Ctx & { body: B; caller: Actor }) => { def: UpdateDefinition<CaseView, [any]>; input: unknown }, permission: Permission = 'case.work'): RouteDef => ({
    method: 'post', path, summary, permission, body,
    async handle(ctx) {
      const { def, input } = toUpdate(ctx as Ctx & { body: B; caller: Actor });
      const view = await handleFor(ctx.params.caseId).executeUpdate(def, { args: [input] });
      return { body: view };
    },
  });

  const routes: RouteDef[] = [
    ...ROUTE_MODULES.flatMap((m) => m(routeEnv)),
    {
      method: 'get', path: '/healthz', summary: 'Liveness and Temporal reachability', permission: null,
      async handle() {
        try {
          await (client.connection as import('@temporalio/client').Connection).healthService.check({});
          return { body: { status: 'ok', temporal: 'reachable', policyVersion: policy.version } };
        } catch {
          return { status: 503, body: { status: 'degraded', temporal: 'unreachable' } };
        }
      },
    },
    {
      method: 'post', path: '/cases', summary: 'Open a case (Idempotency-Key makes a retry return the same case)', permission: 'case.open', body: s.openCaseBody,
      async handle(ctx) {
        const body = ctx.body as z.infer<typeof s.openCaseBody>;
        const rawKey = ctx.header('idempotency-key');
        let key: string | undefined;
        if (rawKey !== undefined) {
          const k = s.idempotencyKey.safeParse(rawKey);
          if (!k.success) throw new HttpError(400, 'bad_request', k.error.issues[0].message);
          key = k.data;
        }
        const caseId = newCaseId(key ? { caller: ctx.caller!.id, key } : undefined);
        const input: CaseInput = {
          caseId, ...body, openedBy: ctx.caller!, policy,
          settings: { adminBaseUrl: config.adminBaseUrl, publicBaseUrl: config.publicBaseUrl, slackEscalationsChannel: config.slack.escalationsChannel },
        };
        try {
          await client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
            workflowId: caseWorkflowId(caseId), taskQueue: config.temporal.taskQueue, args: [input],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            // The summary is shown in the Web UI list; no customer data in it.
            staticSummary: `Support case ${caseId} · ${body.channel}${body.category ? ` · ${body.category}` : ''}`,
            staticDetails: `Opened by ${ctx.caller!.name} through the API. Case view: ${config.publicBaseUrl}/cases/${caseId}`,
          });
        } catch (err) {
          if (key && (err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
            return { status: 200, body: await viewOf(caseId), headers: { 'Idempotent-Replayed': 'true' } };
          }
          throw err;
        }
        return { status: 201, body: await viewOf(caseId), headers: { Location: `/cases/${caseId}` } };
      },
    },
    {
      method: 'get', path: '/cases', summary: 'List cases from Temporal visibility', permission: 'case.read', query: s.listQuery,
      async handle(ctx) {
        const q = ctx.query as z.infer<typeof s.listQuery>;
        const clauses = [`WorkflowType = 'supportCaseWorkflow'`];
        if (q.status) clauses.push(`CaseStatus = '${q.status}'`);
        if (q.category) clauses.push(`CaseCategory = '${q.category}'`);
        if (q.channel) clauses.push(`CaseChannel = '${q.channel}'`);
        if (q.assignee) clauses.push(`CaseAssignee = '${q.assignee.replace(/'/g, "\\'")}'`);
        const cases: Record<string, unknown>[] = [];
        for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: q.limit })) {
          const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
          cases.push({
            caseId: wf.workflowId.replace(/^case-/, ''),
            status: sa.CaseStatus?.[0] ?? null,
            category: sa.CaseCategory?.[0] ?? null,
            channel: sa.CaseChannel?.[0] ?? null,
            assignee: sa.CaseAssignee?.[0] ?? null,
            openedAt: wf.startTime.toISOString(),
            workflowStatus: wf.status.name,
          });
          if (cases.length >= q.limit) break;
        }
        return { body: { cases } };
      },
    },
    {
      method: 'get', path: '/cases/:caseId', summary: 'The case view', permission: 'case.read',
      async handle(ctx) { return { body: await viewOf(ctx.params.caseId) }; },
    },
    caseAction('/cases/:caseId/assign', 'Assign the case (to the caller, or to the named agent)', s.assignBody, ({ body, caller }) => {
      let assignee = { id: caller.id, name: caller.name };
      if (body.agent) {
        const who = staff().find((t) => t.name.toLowerCase() === body.agent!.toLowerCase());
        if (!who) throw new HttpError(422, 'invalid_action', `no agent named '${body.agent}'`);
        assignee = { id: slug(who.name), name: who.name };
      }
      return { def: assignUpdate, input: { actor: caller, assignee } };
    }),
    caseAction('/cases/:caseId/reply', 'Reply to the customer', s.replyBody, ({ body, caller }) => ({ def: replyUpdate, input: { actor: caller, message: body.message } })),
    caseAction('/cases/:caseId/verification-request', 'Send the Account Verification e-mail', s.emptyBody, ({ caller }) => ({ def: requestVerificationUpdate, input: { actor: caller } })),
    caseAction('/cases/:caseId/checklist/:stepId/complete', 'Complete a checklist step', s.completeStepBody, ({ body, caller, params }) => ({ def: completeStepUpdate, input: { actor: caller, stepId: params.stepId, ...body } })),
    caseAction('/cases/:caseId/checklist/:stepId/skip', 'Skip a checklist step, with a note', s.skipStepBody, ({ body, caller, params }) => ({ def: skipStepUpdate, input: { actor: caller, stepId: params.stepId, note: body.note } })),
    caseAction('/cases/:caseId/category', 'Change the category', s.categoryBody, ({ body, caller }) => ({ def: setCategoryUpdate, input: { actor: caller, category: body.category } })),
    caseAction('/cases/:caseId/notes', 'Add an internal note', s.noteBody, ({ body, caller }) => ({ def: addNoteUpdate, input: { actor: caller, text: body.text } })),
    caseAction('/cases/:caseId/wait-for-customer', 'Wait for the customer', s.waitBody, ({ body, caller }) => ({ def: waitForCustomerUpdate, input: { actor: caller, ...body } })),
    caseAction('/cases/:caseId/resolve', 'Resolve (sends the Issue Resolved e-mail)', s.resolveBody, ({ body, caller }) => ({ def: resolveUpdate, input: { actor: caller, ...body } })),
    caseAction('/cases/:caseId/close', 'Close a resolved case', s.closeBody, ({ body, caller }) => ({ def: closeUpdate, input: { actor: caller, ...body } }), 'case.close'),
    caseAction('/cases/:caseId/reopen', 'Reopen a resolved case, or a closed one within the reopen window', s.reopenBody, ({ body, caller }) => ({ def: reopenUpdate, input: { actor: caller, reason: body.reason } }), 'case.reopen'),
    {
      method: 'post', path: '/cases/:caseId/customer-replies', summary: 'Relay a customer message (intake)', permission: 'case.customerReply', body: s.customerReplyBody,
      async handle(ctx) {
        const handle = handleFor(ctx.params.caseId);
        await handle.signal(customerReplySignal, { message: (ctx.body as { message: string }).message });
        return { status: 202, body: await handle.query(caseViewQuery) };
      },
    },
    {
      method: 'get', path: '/csat/:token', summary: 'The survey page a customer opens from the e-mail', permission: null,
      async handle(ctx) {
        if (!verifySurveyToken(config.csatSecret, ctx.params.token)) throw new HttpError(404, 'not_found', 'this survey link is not valid');
        return { body: null, html: renderSurveyPage(ctx.params.token) };
      },
    },
    {
      method: 'post', path: '/csat/:token', summary: 'Rate a resolved case (signed, single-use link; no bearer token)', permission: null, body: s.csatBody,
      async handle(ctx) {
        const claim = verifySurveyToken(config.csatSecret, ctx.params.token);
        if (!claim || !CASE_ID_PATTERN.test(claim.caseId)) throw new HttpError(404, 'not_found', 'this survey link is not valid');
        const body = ctx.body as z.infer<typeof s.csatBody>;
        await handleFor(claim.caseId).executeUpdate(rateUpdate, { args: [{ surveyId: claim.surveyId, ...body }] });
        const wantsHtml = (ctx.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
        // The customer sees only their own rating, never the case's internal view.
        return wantsHtml ? { body: null, html: renderSurveyThanks(body.rating) } : { body: { caseId: claim.caseId, rating: body.rating, thanks: true } };
      },
    },
  ];

  const app = express();
  app.disable('x-powered-by');
  // Signed requests (Stripe webhooks, Slack interactions) are verified over the exact bytes received.
  const keepRaw = (req: Request, _res: Response, buf: Buffer) => { (req as Request & { rawBody?: Buffer }).rawBody = buf; };
  app.use(express.json({ limit: '100kb', verify: keepRaw }));
  app.use(express.urlencoded({ extended: false, limit: '20kb', verify: keepRaw }));

  const authenticate = (req: Request): Actor => {
    const m = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    const who = m ? config.tokens[m[1]] : undefined;
    if (!who) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    return actorOf(who);
  };

  for (const route of routes) {
    app[route.method](route.path, async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      let status = 500;
      try {
        const caller = route.permission ? authenticate(req) : null;
        if (route.permission && caller && !roleMay(policy, caller.role as never, route.permission)) {
          throw new HttpError(403, 'forbidden', `role '${caller.role}' may not ${route.summary.toLowerCase()}`);
        }
        const parse = (schema: z.ZodType | undefined, value: unknown, what: string) => {
          if (!schema) return value;
          const r = schema.safeParse(value ?? {});
          if (!r.success) {
            const i = r.error.issues[0];
            throw new HttpError(400, 'bad_request', `${what}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`);
          }
          return r.data;
        };
        const body = route.method === 'post' ? parse(route.body, req.body, 'body') : undefined;
        const query = parse(route.query, req.query, 'query');
        const rawBody = (req as Request & { rawBody?: Buffer }).rawBody;
        const reply = await route.handle({ params: req.params, body, query, caller, header: (n) => req.header(n), rawBody });
        status = reply.status ?? 200;
        for (const [k, v] of Object.entries(reply.headers ?? {})) if (v !== undefined) res.setHeader(k, v);
        if (reply.html !== undefined) res.status(status).type('html').send(reply.html);
        else res.status(status).json(reply.body);
      } catch (err) {
        const e = toHttpError(err);
        status = e.status;
        if (status >= 500) log({ level: 'error', msg: 'request failed', route: route.path, error: (err as Error).message });
        res.status(e.status).json(errorBody(e));
      } finally {
        // The route pattern, never the URL: survey tokens and ids in paths stay out of logs.
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log({ level: 'info', msg: 'request', method: route.method.toUpperCase(), route: route.path, status, caseId: req.params.caseId, ms });
        metrics.observe(route.method.toUpperCase(), route.path, status, ms / 1000);
      }
    });
  }

  if (deps.codec) app.use('/codec', codecRouter(deps.codec, config, policy));
  // Prometheus scrape endpoint: latency and error counts per route pattern, plus process metrics.
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => { res.json(openApi(routes, policy)); });
  app.use((_req: Request, res: Response) => { res.status(404).json(errorBody(new HttpError(404, 'not_found', 'no such route'))); });
  // Body-parser failures (bad JSON, too large) arrive here.
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const e = toHttpError(err);
    res.status(e.status).json(errorBody(e));
  });
  return app;
}

function openApi(routes: RouteDef[], policy: SupportPolicy) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      ...(r.permission ? { security: [{ bearer: [] }], 'x-roles': policy.permissions[r.permission] } : { security: [] }),
      parameters: [
        ...params,
        ...(r.query ? Object.entries((z.toJSONSchema(r.query, { io: 'input' }) as { properties: Record<string, unknown> }).properties)
          .map(([name, schema]) => ({ name, in: 'query', required: false, schema })) : []),
        ...(r.path === '/cases' && r.method === 'post' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
      ],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(r.body, { io: 'input' }) } } } } : {}),
      responses: {
        200: { description: 'OK' }, 400: { description: 'Bad body' }, 401: { description: 'No or bad token' },
        403: { description: 'Role may not' }, 404: { description: 'Unknown case' }, 409: { description: 'The case\'s status forbids it' },
        422: { description: 'The action does not fit the case' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Support Case Orchestrator API', version: '0.1.0', description: `Policy ${policy.version}` },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
