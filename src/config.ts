// Configuration from the environment, typed and checked once at start-up. It holds secrets:
// never log it whole.
import { z } from 'zod/v4';
import type { Role } from './policy/types';

const ROLES = ['agent', 'support_lead', 'support_manager', 'ops_director', 'engineer', 'intake', 'admin'] as const;

/** A caller known by its bearer token. */
export interface TokenIdentity { name: string; role: Role }

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

const tokensSchema = z.record(z.string().min(16, 'tokens must be at least 16 characters'), z.object({
  name: z.string().min(1),
  role: z.enum(ROLES),
}));

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
  CSAT_SIGNING_SECRET: z.string().min(32, 'CSAT_SIGNING_SECRET must be at least 32 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  CSAT_SURVEY_DELAY_MINUTES: z.coerce.number().int().min(0).max(60 * 24 * 30).optional(),
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
  csatSecret: string;
  dataDir: string;
  /** Deployment overrides of the policy for new cases. */
  policyOverrides: { csatSurveyDelayMinutes?: number };
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
    // Outside production a fixed development secret keeps survey links valid across restarts.
    csatSecret: e.CSAT_SIGNING_SECRET ?? 'development-only-csat-secret-do-not-use-in-production',
    dataDir: e.DATA_DIR,
    policyOverrides: { csatSurveyDelayMinutes: e.CSAT_SURVEY_DELAY_MINUTES },
  };
}
