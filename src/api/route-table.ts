// What a route table is made of: each capability's module under src/api/routes/ returns RouteDefs
// built from a RouteEnv, and createApp serves them (authentication, validation, error mapping,
// logs, metrics and /openapi.json are the app's, never a route's).
import { knownIssues, type KnownIssues } from './known-issues';
import { caseOpener, type OpenCase } from './open-case';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod/v4';
import type { Config } from '../config';
import type { Permission, SupportPolicy } from '../policy/types';
import type { StaffDirectory } from '../security/staff-directory';
import {
  actionKeyQuery,
  actionUpdateId,
  CASE_ID_PATTERN,
  caseViewQuery,
  caseWorkflowId,
  inputFingerprint,
  type ActionResult,
  type Actor,
  type CaseView,
} from '../../workflows/contracts';
import { HttpError } from './errors';
import type { EventStream } from './event-stream';
import * as s from './schemas';

/** What a route handler gets. */
export interface Ctx {
  params: Record<string, string>;
  body: unknown;
  query: unknown;
  caller: Actor | null;
  header(name: string): string | undefined;
  rawBody?: Buffer;
}
/** What a route handler returns. */
export interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string | undefined>;
  html?: string;
  /** Server-Sent Events instead of a body (src/api/event-stream.ts). */
  stream?: EventStream;
}
/** A request header a route reads, as /openapi.json documents it. */
export interface HeaderDoc {
  name: string;
  schema: Record<string, unknown>;
}
/** One route: method, path, who may call it, the schemas it validates with, and one client call. */
export interface RouteDef {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** null: public (no bearer token). */
  permission: Permission | null;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Optional request headers the route reads. */
  headers?: HeaderDoc[];
  form?: boolean; // takes application/x-www-form-urlencoded as well as JSON (a browser form, Slack)
  /** A larger JSON body than the default 100 KB (inbound e-mail with its HTML), in bytes. */
  maxBodyBytes?: number;
  handle(ctx: Ctx): Promise<Reply>;
}

/** The Idempotency-Key header every mutating route reads, as /openapi.json documents it. */
export const IDEMPOTENCY_KEY_HEADER: HeaderDoc = {
  name: 'Idempotency-Key',
  schema: { type: 'string', maxLength: 255 },
};

/** The caller's Idempotency-Key, validated; undefined without one. */
export function idempotencyKeyOf(ctx: Ctx): string | undefined {
  const rawKey = ctx.header('idempotency-key');
  if (rawKey === undefined) return undefined;
  const k = s.idempotencyKey.safeParse(rawKey);
  if (!k.success) throw new HttpError(400, 'bad_request', k.error.issues[0].message);
  return k.data;
}

/** The header that tells a client its retry found the first request's result. */
export const REPLAYED = { 'Idempotent-Replayed': 'true' };

/**
 * What the case remembers of this caller's key: nothing yet, the same request, or another body.
 * The key becomes the Update id `<caller>:<key>` (DESIGN.md, decision 10), so Temporal itself
 * attaches a retry to the first execution; the case's own memory covers continue-as-new.
 */
export async function priorUse(handle: WorkflowHandle, updateId: string, input: unknown): Promise<'new' | 'replay'> {
  const seen = await handle.query(actionKeyQuery, updateId);
  if (!seen) return 'new';
  if (seen.fp !== inputFingerprint(input))
    throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body');
  return 'replay';
}

/** Runs one case Update; with an Idempotency-Key, a retry runs nothing twice and is told so. */
export async function runCaseUpdate<R>(
  handle: WorkflowHandle,
  def: UpdateDefinition<R, [any]>,
  input: unknown,
  idempotency: { callerId: string; key: string | undefined },
): Promise<{ result: R; headers?: Record<string, string> }> {
  if (!idempotency.key) return { result: await handle.executeUpdate(def, { args: [input] }) };
  const updateId = actionUpdateId(idempotency.callerId, idempotency.key);
  const prior = await priorUse(handle, updateId, input);
  const result = await handle.executeUpdate(def, { args: [input], updateId });
  return { result, ...(prior === 'replay' ? { headers: REPLAYED } : {}) };
}

/**
 * The case view after an action's Update: an Update answers with a small ActionResult, so the view
 * is read with the case's query (one round trip more). Cases started before small results still
 * answer with the whole view, which is used as it is.
 */
export async function viewAfter(handle: WorkflowHandle, result: ActionResult | CaseView): Promise<CaseView> {
  return 'timeline' in result ? result : handle.query(caseViewQuery);
}

/** Runs one case action's Update (as runCaseUpdate does) and answers with the case view after it. */
export async function runCaseAction(
  handle: WorkflowHandle,
  def: UpdateDefinition<ActionResult, [any]>,
  input: unknown,
  idempotency: { callerId: string; key: string | undefined },
): Promise<{ view: CaseView; headers?: Record<string, string> }> {
  const { result, headers } = await runCaseUpdate(handle, def, input, idempotency);
  return { view: await viewAfter(handle, result), ...(headers ? { headers } : {}) };
}

/** What a case action maps its request to: the Update and its input. */
export interface CaseUpdate {
  def: UpdateDefinition<ActionResult, [any]>;
  input: unknown;
}

/** What route tables build their routes from. */
export interface RouteEnv {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  /** Staff known by their bearer tokens. */
  staff: StaffDirectory;
  /** Intake's known issues: the open incident a new case opens linked to, and the incident desk. */
  knownIssues: KnownIssues;
  /** Opens a case the same way for every way in (known issue, pinned policy, the desk told). */
  openCase: OpenCase;
  /** The case's workflow handle; 404 for an id that cannot be a case. */
  handleFor(caseId: string): WorkflowHandle;
  /** The case view, from the case's query. */
  viewOf(caseId: string): Promise<CaseView>;
  /** A POST route that runs one case Update and answers with the case view. */
  caseAction<B>(
    path: string,
    summary: string,
    body: z.ZodType<B>,
    toUpdate: (ctx: Ctx & { body: B; caller: Actor }) => CaseUpdate,
    permission?: Permission,
  ): RouteDef;
}

/** A route table: one capability's routes. */
export type RouteTable = (env: RouteEnv) => RouteDef[];

/** The environment of the route tables over the process's one Temporal client. */
export function createRouteEnv(deps: {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  staff: StaffDirectory;
}): RouteEnv {
  const { client } = deps;
  const handleFor = (caseId: string): WorkflowHandle => {
    if (!CASE_ID_PATTERN.test(caseId)) throw new HttpError(404, 'not_found', 'no such case');
    return client.workflow.getHandle(caseWorkflowId(caseId));
  };
  const viewOf = async (caseId: string): Promise<CaseView> => handleFor(caseId).query(caseViewQuery);
  /** An agent action: one Update, whose validator in the workflow refuses what the status forbids. */
  const caseAction = <B>(
    path: string,
    summary: string,
    body: z.ZodType<B>,
    toUpdate: (ctx: Ctx & { body: B; caller: Actor }) => CaseUpdate,
    permission: Permission = 'case.work',
  ): RouteDef => ({
    method: 'post',
    path,
    summary,
    permission,
    body,
    headers: [IDEMPOTENCY_KEY_HEADER],
    async handle(ctx) {
      const { def, input } = toUpdate(ctx as Ctx & { body: B; caller: Actor });
      const key = idempotencyKeyOf(ctx);
      const { view, headers } = await runCaseAction(handleFor(ctx.params.caseId), def, input, {
        callerId: ctx.caller!.id,
        key,
      });
      return { body: view, headers };
    },
  });
  const issues = knownIssues(client, deps.config.temporal.taskQueue, deps.config.incidents);
  return {
    ...deps,
    knownIssues: issues,
    openCase: caseOpener({ ...deps, knownIssues: issues }),
    handleFor,
    viewOf,
    caseAction,
  };
}
