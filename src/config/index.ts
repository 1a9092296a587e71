// Configuration from the environment, typed and checked once at start-up. It holds secrets:
// never log it whole.
//
// It fails closed (DESIGN.md decision 15). Demo tokens and development secrets exist only in
// development mode, and development mode is an option of loadConfig, never an environment
// variable: a variable can be copied into a deployment's environment by accident (an .env file, a
// container image, a CI job), an option cannot. The only caller that passes it is `npm start`
// (dev/start.ts), and dev/ is not part of the production build, so a production build cannot
// enter development mode at all. Development mode also refuses to listen beyond loopback, so the
// public demo tokens never face a network. Anywhere else a missing secret stops start-up, naming it.
import { getHeapStatistics } from 'node:v8';
import { z } from 'zod/v4';
import { parseEncryptionKeys, type EncryptionKeys } from '../codec/encryption-codec';
import { ROLES, type Role } from '../policy/types';
import { hashTokens, type TokenMap } from '../security/bearer-tokens';
import type { CaseSettings } from '../../workflows/contracts';

/** A caller known by its bearer token. */
export interface TokenIdentity {
  name: string;
  role: Role;
}

/** Tokens that work only in development mode (`npm start`) when API_TOKENS is not set; printed by `npm start`. */
export const DEMO_TOKENS: Record<string, TokenIdentity> = {
  'demo-agent': { name: 'Alex Agent', role: 'agent' },
  'demo-agent-2': { name: 'Sam Agent', role: 'agent' },
  'demo-lead': { name: 'Lee Lead', role: 'support_lead' },
  'demo-manager': { name: 'Morgan Manager', role: 'support_manager' },
  'demo-director': { name: 'Dana Director', role: 'ops_director' },
  'demo-engineer': { name: 'Erin Engineer', role: 'engineer' },
  'demo-intake': { name: 'Intake Bot', role: 'intake' },
  'demo-admin': { name: 'Ada Admin', role: 'admin' },
  'demo-deployer': { name: 'CI Pipeline', role: 'deployer' },
};

const tokensSchema = z.record(
  z.string().min(16, 'tokens must be at least 16 characters'),
  z.object({
    name: z.string().min(1),
    role: z.enum(ROLES),
  }),
);

const optionalUrl = z.string().url().optional();

/**
 * The worker's defaults: measured with `npm run bench` on a 2-core machine (README, "Capacity and
 * benchmarks"). Every cached case keeps its workflow state in the worker's memory, so a cache that
 * holds every open case never replays a history when a timer fires.
 */
export const WORKER_DEFAULTS = {
  /** At most; fewer on a small heap (defaultMaxCachedCases). */
  maxCachedCases: 5_000,
  /** Measured (B3): a cached open case costs the worker about 0.5 MB, most of it heap. */
  mbPerCachedCase: 0.5,
  maxConcurrentWorkflowTasks: 40,
  maxConcurrentActivities: 100,
  /** At most; never more than the task slots. */
  workflowTaskPollers: 10,
  activityTaskPollers: 10,
} as const;

/**
 * The default cache size for a worker whose V8 heap may reach `heapLimitMb`: what fits in the heap
 * above 256 MB for the process itself, at WORKER_DEFAULTS.mbPerCachedCase each, at most
 * WORKER_DEFAULTS.maxCachedCases (5,000 from a heap of 2.8 GB; Node's default heap on a machine
 * with 16 GB or more is about 4 GB), at least 100.
 */
export function defaultMaxCachedCases(heapLimitMb = getHeapStatistics().heap_size_limit / 2 ** 20): number {
  const fits = Math.floor((heapLimitMb - 256) / WORKER_DEFAULTS.mbPerCachedCase);
  return Math.max(100, Math.min(WORKER_DEFAULTS.maxCachedCases, fits));
}

/** A whole number within bounds, from the environment. */
const workerCount = (min: number, max: number) =>
  z.coerce
    .number({ error: 'a whole number' })
    .int('a whole number')
    .min(min, `at least ${min}`)
    .max(max, `at most ${max}`);

/** A poller count, or 'auto' (the SDK scales pollers on the server's feedback). */
const workerPollers = (min: number) =>
  z.union([z.literal('auto'), workerCount(min, 1_000)], { error: `'auto' or a whole number of at least ${min}` });

/** The worker knobs, for the README's table and the tests. */
export const WORKER_KEYS = [
  'WORKER_MAX_CACHED_CASES',
  'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_WORKFLOW_TASK_POLLERS',
  'WORKER_ACTIVITY_TASK_POLLERS',
  'WORKER_REUSE_V8_CONTEXT',
] as const;

/** The worker's tuning: cache, task slots, pollers (see WORKER_DEFAULTS). */
export interface WorkerTuning {
  /** Cases whose workflow state stays in memory (maxCachedWorkflows); 0 turns the cache off. */
  maxCachedCases: number;
  maxConcurrentWorkflowTasks: number;
  maxConcurrentActivities: number;
  /** Pollers per task queue: a fixed maximum, or 'auto' (autoscaling). */
  workflowTaskPollers: number | 'auto';
  activityTaskPollers: number | 'auto';
  reuseV8Context: boolean;
}

/** The worker knobs, checked against each other; ConfigError naming the key. */
function workerTuningOf(e: z.infer<typeof envSchema>): WorkerTuning {
  const t: WorkerTuning = {
    maxCachedCases: e.WORKER_MAX_CACHED_CASES ?? defaultMaxCachedCases(),
    maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    // Unset: the default, but never more pollers than task slots.
    workflowTaskPollers:
      e.WORKER_WORKFLOW_TASK_POLLERS ??
      Math.min(WORKER_DEFAULTS.workflowTaskPollers, e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS),
    activityTaskPollers:
      e.WORKER_ACTIVITY_TASK_POLLERS ??
      Math.min(WORKER_DEFAULTS.activityTaskPollers, e.WORKER_MAX_CONCURRENT_ACTIVITIES),
    reuseV8Context: e.WORKER_REUSE_V8_CONTEXT,
  };
  if (t.maxCachedCases === 1) throw new ConfigError('WORKER_MAX_CACHED_CASES: 0 (no cache) or at least 2');
  if (t.maxCachedCases > 0 && t.maxConcurrentWorkflowTasks > t.maxCachedCases)
    throw new ConfigError(
      `WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: at most WORKER_MAX_CACHED_CASES (${t.maxCachedCases}); a task runs on a cached case`,
    );
  if (t.workflowTaskPollers !== 'auto' && t.workflowTaskPollers > t.maxConcurrentWorkflowTasks)
    throw new ConfigError(
      `WORKER_WORKFLOW_TASK_POLLERS: at most WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${t.maxConcurrentWorkflowTasks})`,
    );
  if (t.activityTaskPollers !== 'auto' && t.activityTaskPollers > t.maxConcurrentActivities)
    throw new ConfigError(
      `WORKER_ACTIVITY_TASK_POLLERS: at most WORKER_MAX_CONCURRENT_ACTIVITIES (${t.maxConcurrentActivities})`,
    );
  return t;
}

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('support-cases'),
  API_TOKENS: z.string().optional(),
  PUBLIC_BASE_URL: optionalUrl,
  ADMIN_BASE_URL: z.string().url().default('https://admin.edustream.com'),
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('EduStream Support <support@edustream.com>'),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_API_BASE: optionalUrl,
  ENCRYPTION_KEYS: z.string().optional(),
  ENCRYPTION_KEY_ID: z.string().optional(),
  TEMPORAL_UI_ORIGIN: z.string().url().default('http://localhost:8233'),
  SLACK_REPORTS_CHANNEL: z.string().default('#support-reports'),
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^$|^[\w.-]+:\d+$/, 'host:port, or empty to turn worker metrics off')
    .default('127.0.0.1:9464'),
  // Worker tuning (createCaseWorker); defaults measured with `npm run bench` (README, "Capacity and benchmarks").
  WORKER_MAX_CACHED_CASES: workerCount(0, 1_000_000).optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: workerCount(2, 10_000).default(WORKER_DEFAULTS.maxConcurrentWorkflowTasks),
  WORKER_MAX_CONCURRENT_ACTIVITIES: workerCount(1, 10_000).default(WORKER_DEFAULTS.maxConcurrentActivities),
  WORKER_WORKFLOW_TASK_POLLERS: workerPollers(2).optional(),
  WORKER_ACTIVITY_TASK_POLLERS: workerPollers(1).optional(),
  WORKER_REUSE_V8_CONTEXT: z
    .enum(['true', 'false'], { error: "'true' or 'false'" })
    .default('true')
    .transform((v) => v === 'true'),
  CSAT_SIGNING_SECRET: z.string().min(32, 'CSAT_SIGNING_SECRET must be at least 32 characters').optional(),
  APPROVAL_SIGNING_SECRET: z.string().min(32, 'APPROVAL_SIGNING_SECRET must be at least 32 characters').optional(),
  CODEC_AUTH_TOKEN: z.string().min(32, 'CODEC_AUTH_TOKEN must be at least 32 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  ARCHIVE_DIR: z.string().min(1).optional(),
  CSAT_SURVEY_DELAY_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 30)
    .optional(),
  POLICY_FILE: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[a-z]-/, 'SLACK_BOT_TOKEN must be a Slack token (xoxb-...)')
    .optional(),
  SLACK_API_URL: optionalUrl,
  SLACK_ESCALATIONS_CHANNEL: z.string().min(1).default('#support-escalations'),
  PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
  PAGERDUTY_EVENTS_URL: optionalUrl,
  PAGERDUTY_WEBHOOK_SECRET: z
    .string()
    .min(16, "PAGERDUTY_WEBHOOK_SECRET must be the v3 webhook subscription's signing secret")
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .min(16, "STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret (whsec_...)")
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(16, "SLACK_SIGNING_SECRET must be the Slack app's signing secret").optional(),
  SLACK_APPROVALS_CHANNEL: z.string().min(1).default('#support-approvals'),
  SLACK_APPROVERS: z.string().optional(),
  // Incidents: whether a burst of similar cases opens a suspected incident (the policy's rules).
  INCIDENT_BURST_DETECTION: z.enum(['on', 'off']).default('on'),
  // Inbound e-mail (src/inbound/): the SMTP server, the Brevo webhook's credentials, where files go.
  SUPPORT_ADDRESS: z.email('SUPPORT_ADDRESS must be an e-mail address').default('support@edustream.com'),
  INBOUND_SMTP: z.enum(['on', 'off']).default('on'),
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2526),
  INBOUND_MAX_ATTACHMENT_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 1024 * 1024),
  ATTACHMENTS_DIR: z.string().min(1).optional(),
  INBOUND_REJECTED_DIR: z.string().min(1).optional(),
  BREVO_INBOUND_USER: z.string().optional(),
  BREVO_INBOUND_PASSWORD: z.string().optional(),
});

/** The deployment settings every new case is opened with (POST /cases, inbound e-mail, Stripe disputes). */
export function caseSettingsOf(config: Config): CaseSettings {
  return {
    adminBaseUrl: config.adminBaseUrl,
    publicBaseUrl: config.publicBaseUrl,
    slackEscalationsChannel: config.slack.escalationsChannel,
  };
}

/** Signs PagerDuty webhooks under npm start only (the stand-in and the README's curl use it). */
export const DEVELOPMENT_PAGERDUTY_WEBHOOK_SECRET = 'pd_development_only_do_not_use_in_production';

/** Everything the processes need, typed. */
export interface Config {
  production: boolean;
  /** Development mode (`npm start` only): demo tokens and development secrets, loopback only. */
  devMode: boolean;
  port: number;
  host: string;
  temporal: { address?: string; namespace: string; taskQueue: string };
  /** Who holds each bearer token, keyed by the token's SHA-256 (hex); look up with lookupToken. */
  tokens: TokenMap<TokenIdentity>;
  demoTokens: boolean;
  publicBaseUrl: string;
  adminBaseUrl: string;
  smtpUrl?: string;
  mailFrom: string;
  stripe: { secretKey?: string; apiBase?: string };
  /** Payload encryption keys; absent: payloads are stored as plain JSON. */
  encryption?: EncryptionKeys;
  /** The Web UI's origin, allowed to call the codec endpoint. */
  uiOrigin: string;
  /**
   * The codec endpoint's own credential, for a Web UI that cannot send an Authorization header: it
   * may stand in the endpoint's URL (/codec/<it>/decode), which an API token never does.
   */
  codecAuthToken?: string;
  /** Slack channel the weekly report goes to. */
  reportsChannel: string;
  /** Where the worker serves the SDK's Prometheus metrics; undefined: off. */
  workerMetricsAddress?: string;
  /** The worker's cache, task slots and pollers (WORKER_* knobs). */
  worker: WorkerTuning;
  csatSecret: string;
  /** Signs approval decisions the product makes, so a raw signal carrying one can be told from a forged one. */
  approvalSigningSecret: string;
  dataDir: string;
  /**
   * Where the older part of every case's audit trail is archived (a directory the worker writes and
   * the API reads). ARCHIVE_DIR; unset, `<DATA_DIR>/archive` outside production, none in production.
   */
  archiveDir?: string;
  /** Deployment overrides of the policy for new cases. */
  policyOverrides: { csatSurveyDelayMinutes?: number };
  /** A deployment's own policy (JSON, whole or partial over the seed's). */
  policyFile?: string;
  /** Slack Web API: a bot token, and a base URL only for a stand-in (http://127.0.0.1:PORT/api/). */
  slack: { botToken?: string; apiUrl?: string; escalationsChannel: string };
  /** PagerDuty Events API v2: the service's routing key, and an events URL only for a stand-in. */
  /**
   * PagerDuty: the Events API v2 routing key and URL, and the secret that verifies v3 webhooks
   * (unset outside development mode: POST /webhooks/pagerduty accepts nothing).
   */
  pagerDuty: { routingKey?: string; eventsUrl?: string; webhookSecret?: string };
  /** Stripe webhook and Slack interaction secrets, the approvals channel, Slack approvers. */
  compensation: CompensationConfig;
  /** Incidents: a burst of similar cases opens a suspected incident (INCIDENT_BURST_DETECTION). */
  incidents: { burstDetection: boolean };
  /** Inbound e-mail: the SMTP server, the Brevo webhook, attachments and rejected mail. */
  inbound: InboundConfig;
}

/** Inbound e-mail (src/inbound/). */
export interface InboundConfig {
  /** The address customers write to; the SMTP server refuses mail for any other (550), and mail From it is ours. */
  supportAddress: string;
  /** The inbound SMTP server `npm start` runs; undefined: off (INBOUND_SMTP=off). */
  smtp?: { host: string; port: number };
  /** Attachments larger than this are listed on the message but not stored. */
  maxAttachmentBytes: number;
  attachmentsDir: string;
  /** Where mail the product could not place is kept (GET /inbound/rejected). */
  rejectedDir: string;
  /** HTTP Basic credentials of POST /inbound/email/brevo; undefined: the route answers 503 (disabled). */
  brevo?: { user: string; password: string };
}

/** The Brevo webhook's public development credentials (development mode only, on loopback). */
export const DEVELOPMENT_BREVO_INBOUND = { user: 'brevo-inbound', password: 'development-only-brevo-inbound-password' };

/** Inbound e-mail settings; fails closed: half a Brevo credential, or a short password, stops start-up. */
function inboundConfigOf(e: z.infer<typeof envSchema>, devMode: boolean): InboundConfig {
  if (devMode && e.INBOUND_SMTP === 'on' && !isLoopback(e.INBOUND_SMTP_HOST))
    throw new ConfigError(
      `INBOUND_SMTP_HOST: development mode (npm start) listens on loopback only (127.0.0.1), not '${e.INBOUND_SMTP_HOST}'`,
    );
  const user = e.BREVO_INBOUND_USER || undefined;
  const password = e.BREVO_INBOUND_PASSWORD || undefined;
  if ((user === undefined) !== (password === undefined))
    throw new ConfigError(`${user ? 'BREVO_INBOUND_PASSWORD' : 'BREVO_INBOUND_USER'}: required with the other one`);
  if (password !== undefined && password.length < 16)
    throw new ConfigError('BREVO_INBOUND_PASSWORD: must be at least 16 characters');
  if (user?.includes(':')) throw new ConfigError('BREVO_INBOUND_USER: must not contain ":"');
  const brevo = user && password ? { user, password } : devMode ? { ...DEVELOPMENT_BREVO_INBOUND } : undefined;
  return {
    supportAddress: e.SUPPORT_ADDRESS.toLowerCase(),
    ...(e.INBOUND_SMTP === 'on' ? { smtp: { host: e.INBOUND_SMTP_HOST, port: e.INBOUND_SMTP_PORT } } : {}),
    maxAttachmentBytes: e.INBOUND_MAX_ATTACHMENT_BYTES,
    attachmentsDir: e.ATTACHMENTS_DIR ?? `${e.DATA_DIR}/attachments`,
    rejectedDir: e.INBOUND_REJECTED_DIR ?? `${e.DATA_DIR}/inbound-rejected`,
    ...(brevo ? { brevo } : {}),
  };
}

/** How loadConfig is asked to read the environment. */
export interface LoadOptions {
  /**
   * Development mode: only `npm start` (dev/start.ts) passes it. Unset keys among REQUIRED_KEYS
   * fall back to the demo tokens and development secrets, and every listener must be on loopback.
   */
  devMode?: boolean;
}

/** Keys that have development defaults in development mode and must be set everywhere else. */
export const REQUIRED_KEYS = [
  'API_TOKENS',
  'CSAT_SIGNING_SECRET',
  'STRIPE_WEBHOOK_SECRET',
  'SLACK_SIGNING_SECRET',
  'APPROVAL_SIGNING_SECRET',
] as const;

/**
 * The public development secrets. They are in this repository for anyone to read, which is why
 * they are used only in development mode, on loopback.
 */
export const DEVELOPMENT_SECRETS = {
  CSAT_SIGNING_SECRET: 'development-only-csat-secret-do-not-use-in-production',
  STRIPE_WEBHOOK_SECRET: 'whsec_development_only_do_not_use_in_production',
  SLACK_SIGNING_SECRET: 'development-only-slack-signing-secret',
  APPROVAL_SIGNING_SECRET: 'development-only-approval-signing-secret-do-not-use-in-production',
} as const;

/** Whether a bind address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

function readEncryptionKeys(json: string | undefined, activeKeyId: string | undefined): EncryptionKeys | undefined {
  if (!json) {
    if (activeKeyId) throw new ConfigError('ENCRYPTION_KEY_ID: set, but ENCRYPTION_KEYS is not');
    return undefined;
  }
  try {
    return parseEncryptionKeys(json, activeKeyId);
  } catch (err) {
    throw new ConfigError(`ENCRYPTION_KEYS: ${(err as Error).message}`);
  }
}

/** A configuration problem, naming the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** API_TOKENS, parsed and checked; ConfigError naming a bad token by its position, never its value. */
function readTokens(value: string): [string, TokenIdentity][] {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new ConfigError('API_TOKENS: not valid JSON (expected {"<token>": {"name": "...", "role": "agent"}})');
  }
  // zod's record drops a '__proto__' key without a word, so the JSON's own keys are checked first.
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const keys = Object.keys(json);
    if (keys.length === 0) throw new ConfigError('API_TOKENS: no tokens (expected {"<token>": {...}, ...})');
    const short = keys.findIndex((k) => k.length < 16);
    if (short >= 0) throw new ConfigError(`API_TOKENS: <token #${short + 1}>: tokens must be at least 16 characters`);
  }
  const t = tokensSchema.safeParse(json);
  if (!t.success) {
    // The first path element is the token itself: name its position instead, so no secret reaches a log.
    const issue = t.error.issues[0];
    const [first, ...rest] = issue.path;
    const position = Object.keys(json as object).indexOf(String(first)) + 1;
    const where = first === undefined ? '(root)' : [`<token #${position}>`, ...rest].join('.');
    const message = issue.code === 'invalid_key' ? 'tokens must be at least 16 characters' : issue.message;
    throw new ConfigError(`API_TOKENS: ${where}: ${message}`);
  }
  return Object.entries(t.data);
}

/** Refuses development mode anywhere but on loopback, naming the key that would leave it. */
function checkDevelopmentMode(e: z.infer<typeof envSchema>): void {
  if (e.NODE_ENV === 'production')
    throw new ConfigError('NODE_ENV: development mode (npm start) never runs with NODE_ENV=production');
  if (!isLoopback(e.HOST))
    throw new ConfigError(
      `HOST: development mode (npm start) listens on loopback only (127.0.0.1), not '${e.HOST}'; ` +
        'to serve other machines, run `npm run api` and `npm run worker` with API_TOKENS and every secret set',
    );
  const metricsHost = e.WORKER_METRICS_ADDRESS.replace(/:\d+$/, '');
  if (metricsHost && !isLoopback(metricsHost))
    throw new ConfigError(
      `WORKER_METRICS_ADDRESS: development mode (npm start) listens on loopback only (127.0.0.1), not '${metricsHost}'`,
    );
}

/**
 * Reads and checks the environment; throws ConfigError naming the first bad key, or every
 * required key that is missing. Development defaults only with `{ devMode: true }` (npm start).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  // An empty required key is a missing one (`FOO=` in an env file), never a secret of length 0.
  const given = { ...env };
  for (const key of REQUIRED_KEYS) if (given[key] === '') delete given[key];
  for (const key of WORKER_KEYS) if (given[key]?.trim() === '') delete given[key]; // `FOO=`: the default
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const devMode = options.devMode === true;
  if (devMode) checkDevelopmentMode(e);
  else {
    const missing = REQUIRED_KEYS.filter((key) => e[key] === undefined);
    if (missing.length > 0)
      throw new ConfigError(
        `${missing.join(', ')}: required (not set). Only development mode (npm start, on loopback) has built-in ` +
          'demo tokens and development secrets',
      );
  }
  const production = e.NODE_ENV === 'production';
  const demoTokens = e.API_TOKENS === undefined;
  const tokenList = e.API_TOKENS === undefined ? Object.entries(DEMO_TOKENS) : readTokens(e.API_TOKENS);
  const tokens = hashTokens(tokenList);
  const secret = (key: keyof typeof DEVELOPMENT_SECRETS): string => e[key] ?? DEVELOPMENT_SECRETS[key];
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    production,
    devMode,
    port: e.PORT,
    host: e.HOST,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    tokens,
    demoTokens,
    publicBaseUrl,
    adminBaseUrl: e.ADMIN_BASE_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    stripe: { secretKey: e.STRIPE_SECRET_KEY, apiBase: e.STRIPE_API_BASE },
    encryption: readEncryptionKeys(e.ENCRYPTION_KEYS, e.ENCRYPTION_KEY_ID),
    uiOrigin: e.TEMPORAL_UI_ORIGIN,
    codecAuthToken: e.CODEC_AUTH_TOKEN,
    reportsChannel: e.SLACK_REPORTS_CHANNEL,
    workerMetricsAddress: e.WORKER_METRICS_ADDRESS || undefined,
    worker: workerTuningOf(e),
    // Outside development mode each of these was checked above: no public value ever signs anything.
    csatSecret: secret('CSAT_SIGNING_SECRET'),
    approvalSigningSecret: secret('APPROVAL_SIGNING_SECRET'),
    dataDir: e.DATA_DIR,
    archiveDir: e.ARCHIVE_DIR ?? (production ? undefined : `${e.DATA_DIR.replace(/\/$/, '')}/archive`),
    policyOverrides: { csatSurveyDelayMinutes: e.CSAT_SURVEY_DELAY_MINUTES },
    policyFile: e.POLICY_FILE,
    slack: { botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL, escalationsChannel: e.SLACK_ESCALATIONS_CHANNEL },
    pagerDuty: {
      routingKey: e.PAGERDUTY_ROUTING_KEY,
      eventsUrl: e.PAGERDUTY_EVENTS_URL,
      webhookSecret: e.PAGERDUTY_WEBHOOK_SECRET ?? (devMode ? DEVELOPMENT_PAGERDUTY_WEBHOOK_SECRET : undefined),
    },
    compensation: {
      stripeWebhookSecret: secret('STRIPE_WEBHOOK_SECRET'),
      slackSigningSecret: secret('SLACK_SIGNING_SECRET'),
      approvalsChannel: e.SLACK_APPROVALS_CHANNEL,
      slackApprovers: slackApproversOf(e.SLACK_APPROVERS, tokenList, demoTokens),
    },
    inbound: inboundConfigOf(e, devMode),
    incidents: { burstDetection: e.INCIDENT_BURST_DETECTION === 'on' },
  };
}

/** Webhook and Slack interaction secrets, the approvals channel, and who a Slack user is. */
export interface CompensationConfig {
  /** Verifies Stripe-Signature on POST /webhooks/stripe. */
  stripeWebhookSecret: string;
  /** Verifies X-Slack-Signature on POST /slack/interactions. */
  slackSigningSecret: string;
  approvalsChannel: string;
  /** Slack user id -> the staff member (from the tokens) a button click acts as; a null-prototype object. */
  slackApprovers: Record<string, TokenIdentity>;
}

/** Slack users of the demo workspace (the Slack stand-in), mapped to the demo tokens' staff. */
export const DEMO_SLACK_APPROVERS: Record<string, string> = {
  U0DEMOAGENT: 'Alex Agent',
  U0DEMOLEAD: 'Lee Lead',
  U0DEMOMANAGER: 'Morgan Manager',
  U0DEMODIRECTOR: 'Dana Director',
  U0DEMOADMIN: 'Ada Admin',
};

/** SLACK_APPROVERS (or, with the demo tokens, the demo workspace's users) mapped to staff of the tokens. */
function slackApproversOf(
  value: string | undefined,
  tokenList: [string, TokenIdentity][],
  demoTokens: boolean,
): Record<string, TokenIdentity> {
  let names: Record<string, string> = demoTokens && !value ? DEMO_SLACK_APPROVERS : {};
  if (value) {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      throw new ConfigError('SLACK_APPROVERS: not valid JSON (expected {"<Slack user id>": "<staff name>"})');
    }
    const parsed = z
      .record(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'keys must be Slack user ids (U...)'), z.string().min(1))
      .safeParse(json);
    if (!parsed.success)
      throw new ConfigError(
        `SLACK_APPROVERS: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`,
      );
    names = parsed.data;
  }
  const staff = tokenList.map(([, who]) => who);
  // No prototype: a Slack user id such as 'constructor' finds nobody, whatever reads this object.
  const slackApprovers = Object.create(null) as Record<string, TokenIdentity>;
  for (const [slackId, name] of Object.entries(names)) {
    const who = staff.find((t) => t.name === name);
    if (!who) throw new ConfigError(`SLACK_APPROVERS: ${slackId}: no staff member named '${name}' in API_TOKENS`);
    slackApprovers[slackId] = who;
  }
  return slackApprovers;
}
