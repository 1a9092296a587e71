// What a route table is made of: each capability's module under src/api/routes/ returns RouteDefs
// built from a RouteEnv, and createApp serves them (authentication, validation, error mapping,
// logs, metrics and /openapi.json are the app's, never a route's).
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod/v4';
import type { Config } from '../config';
import type { Permission, SupportPolicy } from '../policy/types';
import type { StaffDirectory } from '../security/staff-directory';
import { CASE_ID_PATTERN, caseViewQuery, caseWorkflowId, type Actor, type CaseView } from '../../workflows/contracts';
import { HttpError } from './errors';

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
  handle(ctx: Ctx): Promise<Reply>;
}

/** What a case action maps its request to: the Update and its input. */
export interface CaseUpdate {
  def: UpdateDefinition<CaseView, [any]>;
  input: unknown;
}

/** What route tables build their routes from. */
export interface RouteEnv {
  client: Client;
  config: Config;
  policy: SupportPolicy;
  /** Staff known by their bearer tokens. */
  staff: StaffDirectory;
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
    async handle(ctx) {
      const { def, input } = toUpdate(ctx as Ctx & { body: B; caller: Actor });
      const view = await handleFor(ctx.params.caseId).executeUpdate(def, { args: [input] });
      return { body: view };
    },
  });
  return { ...deps, handleFor, viewOf, caseAction };
}
