// Configuration from the environment, typed and checked once at start-up. It holds secrets:
// never log it whole.
import { z } from 'zod/v4';
import { parseEncryptionKeys, type EncryptionKeys } from '../codec/encryption-codec';
import { ROLES, type Role } from '../policy/types';

/** A caller known by its bearer token. */
export interface TokenIdentity {
  name: string;
  role: Role;
}

/** Tokens that work outside production when API_TOKENS is not set; printed by `npm start`. */
export const DEMO_TOKENS: Record<string, TokenIdentity> = {
  'demo-agent': { name: 'Alex Agent', role: 'agent' },
  'demo-agent-2': { name: 'Sam Agent', role: 'agent' },
  'demo-lead': { name: 'Lee Lead', role: 'support_lead' },
  'demo-manager': { name: 'Morgan Manager', role: 'support_manager' },
  'demo-director': { name: 'Dana Director', role: 'ops_director' },
  'demo-engineer': { name: 'Erin Engineer', role: 'engineer' },
  'demo-intake': { name: 'Intake Bot', role: 'intake' },
  'demo-admin': { name: 'Ada Admin', role: 'admin' },
};

const tokensSchema = z.record(
  z.string().min(16, 'tokens must be at least 16 characters'),
  z.object({
    name: z.string().min(1),
    role: z.enum(ROLES),
  }),
);

const optionalUrl = z.string().url().optional();

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
  CSAT_SIGNING_SECRET: z.string().min(32, 'CSAT_SIGNING_SECRET must be at least 32 characters').optional(),
  APPROVAL_SIGNING_SECRET: z.string().min(32, 'APPROVAL_SIGNING_SECRET must be at least 32 characters').optional(),
  DATA_DIR: z.string().default('.data'),
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
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .min(16, "STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret (whsec_...)")
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(16, "SLACK_SIGNING_SECRET must be the Slack app's signing secret").optional(),
  SLACK_APPROVALS_CHANNEL: z.string().min(1).default('#support-approvals'),
  SLACK_APPROVERS: z.string().optional(),
});

/** Everything the processes need, typed. */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  temporal: { address?: string; namespace: string; taskQueue: string };
  tokens: Record<string, TokenIdentity>;
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
  /** Slack channel the weekly report goes to. */
  reportsChannel: string;
  /** Where the worker serves the SDK's Prometheus metrics; undefined: off. */
  workerMetricsAddress?: string;
  csatSecret: string;
  /** Signs approval decisions (the API's, and raw signals made by `npm run approval-decision`); the worker verifies them. */
  approvalSigningSecret: string;
  dataDir: string;
  /** Deployment overrides of the policy for new cases. */
  policyOverrides: { csatSurveyDelayMinutes?: number };
  /** A deployment's own policy (JSON, whole or partial over the seed's). */
  policyFile?: string;
  /** Slack Web API: a bot token, and a base URL only for a stand-in (http://127.0.0.1:PORT/api/). */
  slack: { botToken?: string; apiUrl?: string; escalationsChannel: string };
  /** PagerDuty Events API v2: the service's routing key, and an events URL only for a stand-in. */
  pagerDuty: { routingKey?: string; eventsUrl?: string };
  /** Stripe webhook and Slack interaction secrets, the approvals channel, Slack approvers. */
  compensation: CompensationConfig;
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

/** Reads and checks the environment; throws ConfigError naming the first bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  let tokens: Record<string, TokenIdentity> = DEMO_TOKENS;
  let demoTokens = true;
  if (e.API_TOKENS) {
    let json: unknown;
    try {
      json = JSON.parse(e.API_TOKENS);
    } catch {
      throw new ConfigError('API_TOKENS: not valid JSON (expected {"<token>": {"name": "...", "role": "agent"}})');
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
    tokens = t.data;
    demoTokens = false;
  } else if (production) {
    throw new ConfigError('API_TOKENS: required in production (demo tokens only work outside production)');
  }
  if (production && !e.CSAT_SIGNING_SECRET) throw new ConfigError('CSAT_SIGNING_SECRET: required in production');
  if (production && !e.APPROVAL_SIGNING_SECRET)
    throw new ConfigError('APPROVAL_SIGNING_SECRET: required in production');
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    production,
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
    reportsChannel: e.SLACK_REPORTS_CHANNEL,
    workerMetricsAddress: e.WORKER_METRICS_ADDRESS || undefined,
    // Outside production a fixed development secret keeps survey links valid across restarts.
    csatSecret: e.CSAT_SIGNING_SECRET ?? 'development-only-csat-secret-do-not-use-in-production',
    approvalSigningSecret:
      e.APPROVAL_SIGNING_SECRET ?? 'development-only-approval-signing-secret-do-not-use-in-production',
    dataDir: e.DATA_DIR,
    policyOverrides: { csatSurveyDelayMinutes: e.CSAT_SURVEY_DELAY_MINUTES },
    policyFile: e.POLICY_FILE,
    slack: { botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL, escalationsChannel: e.SLACK_ESCALATIONS_CHANNEL },
    pagerDuty: { routingKey: e.PAGERDUTY_ROUTING_KEY, eventsUrl: e.PAGERDUTY_EVENTS_URL },
    compensation: compensationConfig(e, production, tokens, demoTokens),
  };
}

/** Webhook and Slack interaction secrets, the approvals channel, and who a Slack user is. */
export interface CompensationConfig {
  /** Verifies Stripe-Signature on POST /webhooks/stripe. */
  stripeWebhookSecret: string;
  /** Verifies X-Slack-Signature on POST /slack/interactions. */
  slackSigningSecret: string;
  approvalsChannel: string;
  /** Slack user id -> the staff member (from the tokens) a button click acts as. */
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

function compensationConfig(
  e: z.infer<typeof envSchema>,
  production: boolean,
  tokens: Record<string, TokenIdentity>,
  demoTokens: boolean,
): CompensationConfig {
  if (production && !e.STRIPE_WEBHOOK_SECRET) throw new ConfigError('STRIPE_WEBHOOK_SECRET: required in production');
  if (production && !e.SLACK_SIGNING_SECRET) throw new ConfigError('SLACK_SIGNING_SECRET: required in production');
  let names: Record<string, string> = demoTokens && !e.SLACK_APPROVERS ? DEMO_SLACK_APPROVERS : {};
  if (e.SLACK_APPROVERS) {
    let json: unknown;
    try {
      json = JSON.parse(e.SLACK_APPROVERS);
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
  const staff = Object.values(tokens);
  const slackApprovers: Record<string, TokenIdentity> = {};
  for (const [slackId, name] of Object.entries(names)) {
    const who = staff.find((t) => t.name === name);
    if (!who) throw new ConfigError(`SLACK_APPROVERS: ${slackId}: no staff member named '${name}' in API_TOKENS`);
    slackApprovers[slackId] = who;
  }
  return {
    // Outside production fixed development secrets let the stand-ins and curl examples sign requests.
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET ?? 'whsec_development_only_do_not_use_in_production',
    slackSigningSecret: e.SLACK_SIGNING_SECRET ?? 'development-only-slack-signing-secret',
    approvalsChannel: e.SLACK_APPROVALS_CHANNEL,
    slackApprovers,
  };
}
