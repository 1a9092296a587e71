// `npm start`: the whole product on one machine. Starts the Temporal dev server (unless
// TEMPORAL_ADDRESS names a running one), local stand-ins for every integration that is not
// configured, the worker and the API. Ctrl-C stops everything it started.
//
// This is the one place development mode is turned on (loadConfig's `devMode` option): the demo
// tokens and the public development secrets work, and every listener this command starts (API,
// worker metrics, Temporal dev server and UI, stand-ins) is bound to loopback; a non-loopback
// HOST, WORKER_METRICS_ADDRESS or TEMPORAL_IP is refused before anything starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { buildActivityDeps } from '../src/activity-deps';
import { createApp } from '../src/api/app';
import { EncryptionCodec } from '../src/codec/encryption-codec';
import { createIntake } from '../src/inbound/deliver';
import { startInboundSmtp } from '../src/inbound/smtp-server';
import { ensureWeeklyReportSchedule } from '../src/schedules';
import { installWorkerRuntime } from '../src/observability/worker-runtime';
import { ConfigError, DEMO_TOKENS, isLoopback, loadConfig } from '../src/config';
import { deploymentPolicy } from '../src/config/policy-file';
import { connectClient, connectWorker, dataConverterFor, DEFAULT_TEMPORAL_ADDRESS } from '../src/temporal';
import { bundleWorkflows, createCaseWorker } from '../src/worker';
import { TRAIL_LIMITS } from '../workflows/contracts';
import { startPagerDutyStandin } from './standins/pagerduty-standin';
import { startSlackStandin } from './standins/slack-standin';
import { startSmtpInbox } from './standins/smtp-inbox';
import { startStripeStandin } from './standins/stripe-standin';
import { DEV_DYNAMIC_CONFIG, DEV_SQLITE_PRAGMAS } from './temporal-servers';

const ROOT = path.resolve(__dirname, '..', '..');
const say = (line: string) => console.log(`[start] ${line}`);
/** Where every listener of development mode is bound. */
const LOOPBACK = '127.0.0.1';

/**
 * The codec endpoint's own credential for the dev UI: CODEC_AUTH_TOKEN, or one generated once and
 * kept in DATA_DIR, so a Temporal dev server that outlives this command still holds a valid URL.
 */
function codecAuthToken(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.CODEC_AUTH_TOKEN) return env.CODEC_AUTH_TOKEN;
  const file = path.join(dataDir, 'codec-auth-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * Payload encryption is on by default in development too (customers' names, addresses and messages
 * are personal data): with no ENCRYPTION_KEYS, a key is generated once into DATA_DIR (mode 0600,
 * printed nowhere) and reused on every start, so the cases in .data/temporal.db stay readable.
 * ENCRYPTION=off turns it off.
 */
function developmentEncryptionKeys(env: NodeJS.ProcessEnv, dataDir: string): string | undefined {
  if (env.ENCRYPTION_KEYS || env.ENCRYPTION === 'off') return env.ENCRYPTION_KEYS;
  const file = path.join(dataDir, 'encryption-keys.json');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const keys = JSON.stringify({ 'dev-1': randomBytes(32).toString('base64') });
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

async function startTemporal(env: NodeJS.ProcessEnv): Promise<ChildProcess | null> {
  const [host, port] = DEFAULT_TEMPORAL_ADDRESS.split(':');
  const child = spawn('bash', [path.join(ROOT, 'temporal-dev.sh')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      if (exited === 0) return null; // it said a server is already up: not ours to stop
      throw new Error(`temporal-dev.sh exited with ${exited}`);
    }
    if (await portOpen(host, Number(port))) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the Temporal dev server did not come up within 120 s');
}

async function main() {
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        /* keep stopping the rest */
      }
    }
  };
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const env = { ...process.env };
    const keys = developmentEncryptionKeys(env, path.resolve(ROOT, env.DATA_DIR ?? '.data'));
    if (keys) env.ENCRYPTION_KEYS = keys;
    // Checked before anything starts, so a bad setting fails fast.
    const early = loadConfig(env, { devMode: true });
    const policy = deploymentPolicy(early); // POLICY_FILE is checked here, before anything starts
    if (env.TEMPORAL_IP && !isLoopback(env.TEMPORAL_IP))
      throw new ConfigError(
        `TEMPORAL_IP: development mode (npm start) listens on loopback only (127.0.0.1), not '${env.TEMPORAL_IP}'`,
      );
    const dataDir = path.resolve(ROOT, env.DATA_DIR ?? '.data');
    if (early.encryption && !env.TEMPORAL_UI_CODEC_ENDPOINT) {
      // The dev UI has no access token to send, so its endpoint URL carries the codec's own
      // credential; an API token never goes into a URL.
      env.CODEC_AUTH_TOKEN = codecAuthToken(env, dataDir);
      env.TEMPORAL_UI_CODEC_ENDPOINT = `${early.publicBaseUrl}/codec/${env.CODEC_AUTH_TOKEN}`;
    }
    if (!env.TEMPORAL_ADDRESS) {
      // The dev server's SQLite and timer settings, measured with `npm run bench` (dev/temporal-servers.ts).
      env.TEMPORAL_SQLITE_PRAGMAS ??= DEV_SQLITE_PRAGMAS.join(' ');
      env.TEMPORAL_DYNAMIC_CONFIG ??= DEV_DYNAMIC_CONFIG.join(' ');
      const temporal = await startTemporal(env);
      if (temporal) {
        stops.push(
          () =>
            new Promise<void>((resolve) => {
              temporal.once('exit', () => resolve());
              try {
                process.kill(-temporal.pid!, 'SIGTERM');
              } catch {
                resolve();
              }
            }),
        );
      }
    }
    const standins: string[] = [];
    if (!env.SMTP_URL) {
      const inbox = await startSmtpInbox({
        host: LOOPBACK,
        port: Number(env.SMTP_INBOX_PORT ?? 2525),
        dir: path.join(dataDir, 'inbox'),
        log: say,
      });
      env.SMTP_URL = inbox.url;
      stops.push(() => inbox.close());
      standins.push(
        `E-mail  -> local SMTP inbox ${inbox.url}, stored in ${path.relative(process.cwd(), path.join(dataDir, 'inbox')) || '.'}/ (list: node dist/scripts/inbox.js)`,
      );
    }
    if (!env.STRIPE_SECRET_KEY && !env.STRIPE_API_BASE) {
      const stripe = await startStripeStandin({
        host: LOOPBACK,
        port: Number(env.STRIPE_STANDIN_PORT ?? 12111),
        seedDemoData: true,
        log: say,
      });
      env.STRIPE_API_BASE = stripe.url;
      stops.push(() => stripe.close());
      standins.push(
        `Stripe  -> local Stripe stand-in ${stripe.url} (demo customer cus_demo_ada, payments pi_demo_paid, pi_demo_declined)`,
      );
    }
    if (!env.SLACK_BOT_TOKEN) {
      env.SLACK_BOT_TOKEN = 'xoxb-local-standin';
      const slack = await startSlackStandin({
        host: LOOPBACK,
        port: Number(env.SLACK_STANDIN_PORT ?? 12112),
        token: env.SLACK_BOT_TOKEN,
        log: say,
      });
      env.SLACK_API_URL = slack.apiUrl;
      stops.push(() => slack.close());
      standins.push(
        `Slack   -> local Slack Web API stand-in ${slack.apiUrl} (channel ${env.SLACK_ESCALATIONS_CHANNEL ?? '#support-escalations'}; each message is logged as slack-standin ...)`,
      );
    }
    if (!env.PAGERDUTY_ROUTING_KEY) {
      env.PAGERDUTY_ROUTING_KEY = 'R0LOCALSTANDIN000000000000000000';
      const pd = await startPagerDutyStandin({
        host: LOOPBACK,
        port: Number(env.PAGERDUTY_STANDIN_PORT ?? 12113),
        routingKey: env.PAGERDUTY_ROUTING_KEY,
        log: say,
      });
      env.PAGERDUTY_EVENTS_URL = pd.eventsUrl;
      stops.push(() => pd.close());
      standins.push(
        `PagerDuty -> local Events API v2 stand-in ${pd.eventsUrl} (each event is logged as pagerduty-standin ...)`,
      );
    }

    // The archive of case trails, under DATA_DIR like the rest of the local state.
    env.ARCHIVE_DIR ??= path.join(dataDir, 'archive');
    const config = loadConfig(env, { devMode: true });
    installWorkerRuntime({ metricsAddress: config.workerMetricsAddress, level: 'WARN' });
    const deps = buildActivityDeps(config);
    stops.push(() => deps.close());
    const client = await connectClient(config.temporal, config.encryption);
    stops.push(() => client.connection.close());
    deps.temporal = client;
    const connection = await connectWorker(config.temporal);
    const worker = await createCaseWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps,
      workflowBundle: await bundleWorkflows(),
      dataConverter: dataConverterFor(config.encryption),
      tuning: config.worker,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await connection.close();
    });

    // The weekly report's Schedule, created or updated on every start.
    const schedule = await ensureWeeklyReportSchedule(client, config, policy);
    const app = createApp({
      client,
      config,
      policy,
      codec: config.encryption ? new EncryptionCodec(config.encryption) : undefined,
    });
    const server = await new Promise<import('node:http').Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s)).on('error', reject);
    });
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    // Inbound e-mail: customers' mail for SUPPORT_ADDRESS opens and answers cases (INBOUND_SMTP=off: none).
    const inboundSmtp = config.inbound.smtp
      ? await startInboundSmtp({
          ...config.inbound.smtp,
          supportAddress: config.inbound.supportAddress,
          intake: createIntake({ client, config, policy }),
          log: say,
        })
      : undefined;
    if (inboundSmtp) stops.push(() => inboundSmtp.close());

    const ui = env.TEMPORAL_ADDRESS
      ? "(your Temporal cluster's Web UI)"
      : `http://localhost:${env.TEMPORAL_UI_PORT ?? 8233}`;
    console.log(
      [
        '',
        'Support Case Orchestrator is up.',
        `  API:          ${config.publicBaseUrl}  (OpenAPI: ${config.publicBaseUrl}/openapi.json)`,
        `  Temporal UI:  ${ui}`,
        `  Temporal:     ${config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS}, namespace ${config.temporal.namespace}`,
        `  Metrics:      ${config.publicBaseUrl}/metrics (API)${config.workerMetricsAddress ? `, http://${config.workerMetricsAddress}/metrics (worker)` : ''}`,
        ...standins.map((s) => `  ${s}`),
        inboundSmtp
          ? `  Inbound:      mail to ${config.inbound.supportAddress} at smtp://${inboundSmtp.host}:${inboundSmtp.port} opens and answers cases; Brevo webhook POST ${config.publicBaseUrl}/inbound/email/brevo`
          : `  Inbound:      SMTP off (INBOUND_SMTP=off); Brevo webhook POST ${config.publicBaseUrl}/inbound/email/brevo`,
        `  Mode:         development (loopback only${config.demoTokens ? '; demo tokens' : ''}; unset secrets use public development values)`,
        config.demoTokens
          ? `  Auth:         Authorization: Bearer <token>; demo tokens (API_TOKENS unset): ${Object.entries(
              DEMO_TOKENS,
            )
              .map(([t, w]) => `${t} (${w.role})`)
              .join(', ')}`
          : '  Auth:         Authorization: Bearer <token> from API_TOKENS',
        config.encryption
          ? `  Encryption:   payloads sealed with AES-256-GCM (key ${config.encryption.activeKeyId}); the Web UI decodes through ${config.publicBaseUrl}/codec/<CODEC_AUTH_TOKEN>/ (${env.CODEC_AUTH_TOKEN && !process.env.CODEC_AUTH_TOKEN ? `generated, in ${path.relative(process.cwd(), path.join(dataDir, 'codec-auth-token'))}` : 'yours'})`
          : '  Encryption:   off (ENCRYPTION=off; unset it, or set ENCRYPTION_KEYS, to seal payloads)',
        `  Archive:      case trails beyond the newest ${TRAIL_LIMITS.timelineKeep} entries in ${path.relative(process.cwd(), env.ARCHIVE_DIR) || '.'}/ (GET /cases/<id>/timeline reads it)`,
        `  Reports:      Schedule '${schedule.scheduleId}' (${schedule.outcome}): Mondays 08:00 ${policy.timeZone}, Slack ${config.reportsChannel} and the Support Lead`,
        config.demoTokens
          ? '  Try:          curl -s -H "Authorization: Bearer demo-agent" ' + `${config.publicBaseUrl}/cases`
          : '  Try:          curl -s -H "Authorization: Bearer <token>" ' + `${config.publicBaseUrl}/cases`,
        'Ctrl-C stops everything this command started.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    console.error(`[start] failed: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
