// `npm start`: the whole product on one machine. Starts the Temporal dev server (unless
// TEMPORAL_ADDRESS names a running one), local stand-ins for every integration that is not
// configured, the worker and the API. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { buildActivityDeps } from '../src/activity-deps';
import { createApp } from '../src/api/app';
import { EncryptionCodec } from '../src/codec/encryption-codec';
import { ensureWeeklyReportSchedule } from '../src/schedules';
import { installWorkerRuntime } from '../src/observability/worker-runtime';
import { loadConfig } from '../src/config';
import { deploymentPolicy } from '../src/config/policy-file';
import { connectClient, connectWorker, dataConverterFor, DEFAULT_TEMPORAL_ADDRESS } from '../src/temporal';
import { bundleWorkflows, createCaseWorker } from '../src/worker';
import { startPagerDutyStandin } from './standins/pagerduty-standin';
import { startSlackStandin } from './standins/slack-standin';
import { startSmtpInbox } from './standins/smtp-inbox';
import { startStripeStandin } from './standins/stripe-standin';

const ROOT = path.resolve(__dirname, '..', '..');
const say = (line: string) => console.log(`[start] ${line}`);

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
    // Checked before anything starts, so a bad setting fails fast.
    const early = loadConfig(env);
    const policy = deploymentPolicy(early); // POLICY_FILE is checked here, before anything starts
    if (early.encryption && !env.TEMPORAL_UI_CODEC_ENDPOINT) {
      // The dev UI cannot send headers, so it reaches the codec endpoint with a reader's token in the path.
      const reader =
        Object.entries(early.tokens).find(([, who]) => who.role === 'engineer') ?? Object.entries(early.tokens)[0];
      env.TEMPORAL_UI_CODEC_ENDPOINT = `${early.publicBaseUrl}/codec/${reader[0]}`;
    }
    const dataDir = path.resolve(ROOT, env.DATA_DIR ?? '.data');
    if (!env.TEMPORAL_ADDRESS) {
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

    const config = loadConfig(env);
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
        config.demoTokens
          ? `  Auth:         Authorization: Bearer <token>; demo tokens (API_TOKENS unset): ${Object.entries(
              config.tokens,
            )
              .map(([t, w]) => `${t} (${w.role})`)
              .join(', ')}`
          : '  Auth:         Authorization: Bearer <token> from API_TOKENS',
        config.encryption
          ? `  Encryption:   payloads sealed with AES-256-GCM (key ${config.encryption.activeKeyId}); the Web UI decodes through ${config.publicBaseUrl}/codec/…`
          : '  Encryption:   off (set ENCRYPTION_KEYS to seal payloads)',
        `  Reports:      Schedule '${schedule.scheduleId}' (${schedule.outcome}): Mondays 08:00 ${policy.timeZone}, Slack ${config.reportsChannel} and the Support Lead`,
        '  Try:          curl -s -H "Authorization: Bearer demo-agent" ' + `${config.publicBaseUrl}/cases`,
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
