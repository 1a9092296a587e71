// The HTTP API's Express app: authentication, body and query validation, the one mapping of
// failures to HTTP, request logs and metrics, and /openapi.json, around the route tables of
// src/api/routes/ (one per capability). Each route validates its input with a schema, makes one
// Temporal client call and maps the result; rules live in the workflow and the policy, never here.
import express, { type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod/v4';
import type { Config } from '../config';
import { createApiMetrics, type ApiMetrics } from '../observability/api-metrics';
import { logJson } from '../observability/log';
import { roleMay } from '../policy/rules';
import type { SupportPolicy } from '../policy/types';
import { actorOf, staffDirectory, type StaffDirectory } from '../security/staff-directory';
import type { Actor } from '../../workflows/contracts';
import { codecRouter } from './codec-router';
import { errorBody, HttpError, toHttpError } from './errors';
import { runEventStream, type EventStream } from './event-stream';
import { createRouteEnv, type RouteDef, type RouteTable } from './route-table';
import { caseRoutes } from './routes/cases';
import { chatRoutes } from './routes/chat';
import { messageRoutes } from './routes/messages';
import { incidentRoutes } from './routes/incidents';
import { policyRoutes } from './routes/policy';
import { deploymentRoutes } from './routes/deployments';
import { compensationRoutes } from './routes/compensation';
import { csatRoutes } from './routes/csat';
import { escalationRoutes } from './routes/escalation';
import { healthRoutes } from './routes/health';
import { inboundRoutes } from './routes/inbound';
import { metricsRoutes } from './routes/metrics';
import { slackRoutes } from './routes/slack';
import { stripeWebhookRoutes } from './routes/stripe-webhooks';
import { pagerDutyWebhookRoutes } from './routes/pagerduty-webhooks';
import { timelineRoutes } from './routes/timeline';

/** The route tables, one per capability; their order is the order of the routes in /openapi.json. */
const ROUTE_TABLES: RouteTable[] = [
  escalationRoutes,
  compensationRoutes,
  slackRoutes,
  stripeWebhookRoutes,
  pagerDutyWebhookRoutes,
  metricsRoutes,
  healthRoutes,
  caseRoutes,
  messageRoutes,
  incidentRoutes,
  policyRoutes,
  deploymentRoutes,
  timelineRoutes,
  csatRoutes,
  chatRoutes,
  inboundRoutes,
];

/** What createApp needs: the process's one Temporal client, config and the policy new cases pin. */
export interface AppDeps {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  log?: (entry: Record<string, unknown>) => void;
  codec?: PayloadCodec;
  metrics?: ApiMetrics;
}

/** The API as an Express app, without listening. */
export function createApp(deps: AppDeps): express.Express {
  const { client, config, policy } = deps;
  const log = deps.log ?? logJson;
  const metrics = deps.metrics ?? createApiMetrics();
  const staff = staffDirectory(config.tokens, policy);
  const env = createRouteEnv({ client, config, policy, staff });
  const routes = ROUTE_TABLES.flatMap((table) => table(env));

  const app = express();
  app.disable('x-powered-by');
  // Signed requests (Stripe webhooks, Slack interactions) are verified over the exact bytes received.
  const keepRaw = (req: Request, _res: Response, buf: Buffer) => {
    (req as Request & { rawBody?: Buffer }).rawBody = buf;
  };
  // Bodies are parsed per route, after authentication and the Content-Type check (readBody), never
  // by a global parser: a parser that skips a body it does not understand leaves `{}` behind, and a
  // text/plain body would be executed as if it were an empty JSON object.
  const parsers: BodyParsers = {
    json: express.json({ limit: DEFAULT_JSON_LIMIT, verify: keepRaw }),
    form: express.urlencoded({ extended: false, limit: '20kb', verify: keepRaw }),
  };
  const jsonWithLimit = new Map<number, express.RequestHandler>();
  const parsersOf = (route: RouteDef): BodyParsers => {
    if (!route.maxBodyBytes) return parsers;
    let json = jsonWithLimit.get(route.maxBodyBytes);
    if (!json)
      jsonWithLimit.set(route.maxBodyBytes, (json = express.json({ limit: route.maxBodyBytes, verify: keepRaw })));
    return { ...parsers, json };
  };

  for (const route of routes) {
    app[route.method](route.path, async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      let status = 500;
      let stream: EventStream | undefined;
      try {
        const caller = route.permission ? authenticate(staff, req) : null;
        if (route.permission && caller && !roleMay(policy, caller.role as never, route.permission)) {
          throw new HttpError(403, 'forbidden', `role '${caller.role}' may not ${route.summary.toLowerCase()}`);
        }
        if (route.method === 'post') await readBody(req, res, route, parsersOf(route));
        const body = route.method === 'post' ? parse(route.body, req.body, 'body') : undefined;
        const query = parse(route.query, req.query, 'query');
        const rawBody = (req as Request & { rawBody?: Buffer }).rawBody;
        const reply = await route.handle({
          params: req.params,
          body,
          query,
          caller,
          header: (n) => req.header(n),
          rawBody,
        });
        status = reply.status ?? 200;
        for (const [k, v] of Object.entries(reply.headers ?? {})) if (v !== undefined) res.setHeader(k, v);
        if (reply.stream)
          stream = reply.stream; // runs after the request is logged: its time is the answer's
        else if (reply.html !== undefined) res.status(status).type('html').send(reply.html);
        else res.status(status).json(reply.body);
      } catch (err) {
        const e = httpErrorOf(err);
        status = e.status;
        if (status >= 500)
          log({ level: 'error', msg: 'request failed', route: route.path, error: (err as Error).message });
        res.status(e.status).json(errorBody(e));
      } finally {
        // The route pattern, never the URL: survey tokens and ids in paths stay out of logs.
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log({
          level: 'info',
          msg: 'request',
          method: route.method.toUpperCase(),
          route: route.path,
          status,
          caseId: req.params.caseId,
          ms,
        });
        metrics.observe(route.method.toUpperCase(), route.path, status, ms / 1000);
      }
      if (stream) await runEventStream(res, stream, log, route.path);
    });
  }

  if (deps.codec) app.use('/codec', codecRouter(deps.codec, config, policy));
  // Prometheus scrape endpoint: latency and error counts per route pattern, plus process metrics.
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi(routes, policy));
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json(errorBody(new HttpError(404, 'not_found', 'no such route')));
  });
  // Failures before a route runs arrive here: a path parameter that is not valid percent-encoding,
  // the codec endpoint's body.
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const e = httpErrorOf(err);
    res.status(e.status).json(errorBody(e));
  });
  return app;
}

/** The body parsers a route may use. */
/** The JSON body limit of every route that does not set its own (bytes). */
const DEFAULT_JSON_LIMIT = 100 * 1024;

interface BodyParsers {
  json: express.RequestHandler;
  form: express.RequestHandler;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Reads a POST's body if its Content-Type is one the route takes: application/json, and for the
 * routes that take forms by design (`form: true`: the survey page's form, Slack's interactions)
 * application/x-www-form-urlencoded as well. Anything else is 415, whatever the body holds.
 *
 * A POST with no body at all and no Content-Type is allowed and reads as `{}`, so a body-less
 * action (verification-request, ack) works as a bare `curl -X POST`; it carries nothing that could
 * be misread. A body without a Content-Type is 415 like any other unknown type.
 */
async function readBody(req: Request, res: Response, route: RouteDef, parsers: BodyParsers): Promise<void> {
  const type = req.header('content-type');
  const length = req.header('content-length');
  const hasBody = req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if (type === undefined && !hasBody) {
    req.body = undefined;
    return;
  }
  const media = (type ?? '').split(';')[0].trim().toLowerCase();
  const parser = media === 'application/json' ? parsers.json : route.form && media === FORM ? parsers.form : null;
  if (!parser)
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type must be application/json${route.form ? ` or ${FORM}` : ''}`,
    );
  await new Promise<void>((resolve, reject) => parser(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

/**
 * The HTTP answer to a failure. Reading a request can fail in ways errors.ts does not map (a charset
 * or Content-Encoding the parser does not take, an aborted body, a path that is not valid
 * percent-encoding): those are the client's, so they answer 4xx, never 500.
 */
function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // body-parser's errors (http-errors: `expose` set, a 4xx status) and Express's URIError for a path.
  const e = err as { status?: unknown; type?: unknown; expose?: unknown } | null;
  const fromReading = e?.expose === true || err instanceof URIError;
  if (fromReading && typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    if (e.type === 'entity.parse.failed' || e.type === 'entity.too.large') return toHttpError(err);
    if (e.status === 415)
      return new HttpError(415, 'unsupported_media_type', 'the body must be UTF-8 JSON, without a Content-Encoding');
    if (err instanceof URIError) return new HttpError(400, 'bad_request', 'the path is not valid percent-encoding');
    return new HttpError(e.status, 'bad_request', 'the request body could not be read');
  }
  return toHttpError(err);
}

/** The caller of a bearer token; identity comes from authentication, never from a payload. */
function authenticate(staff: StaffDirectory, req: Request): Actor {
  const m = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
  const who = m ? staff.byToken(m[1]) : undefined;
  if (!who) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
  return actorOf(who);
}

/** A body or query through its schema; 400 naming the first bad field. */
function parse(schema: z.ZodType | undefined, value: unknown, what: string): unknown {
  if (!schema) return value;
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, 'bad_request', `${what}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`);
  }
  return r.data;
}

/** A POST's request body as /openapi.json documents it: the media types it takes, and its schema. */
function requestBodyDoc(r: RouteDef) {
  const schema = r.body ? z.toJSONSchema(r.body, { io: 'input' }) : {};
  return {
    required: r.body !== undefined,
    'x-body-limit-bytes': r.maxBodyBytes ?? DEFAULT_JSON_LIMIT,
    content: { 'application/json': { schema }, ...(r.form ? { [FORM]: { schema } } : {}) },
  };
}

/** The OpenAPI document of the route tables. */
function openApi(routes: RouteDef[], policy: SupportPolicy) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      ...(r.permission
        ? { security: [{ bearer: [] }], 'x-roles': policy.permissions[r.permission] }
        : { security: [] }),
      parameters: [
        ...params,
        ...(r.query
          ? Object.entries(
              (z.toJSONSchema(r.query, { io: 'input' }) as { properties: Record<string, unknown> }).properties,
            ).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
          : []),
        ...(r.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, schema: h.schema })),
      ],
      ...(r.method === 'post' ? { requestBody: requestBodyDoc(r) } : {}),
      responses: {
        200: { description: 'OK' },
        400: { description: 'Bad body' },
        401: { description: 'No or bad token' },
        403: { description: 'Role may not' },
        404: { description: 'Unknown case' },
        409: { description: "The case's status forbids it" },
        ...(r.method === 'post'
          ? {
              413: { description: 'Body too large' },
              415: {
                description: r.form
                  ? `Content-Type is neither application/json nor ${FORM}`
                  : 'Content-Type is not application/json',
              },
            }
          : {}),
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
