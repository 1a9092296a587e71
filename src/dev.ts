// `npm start`: the whole product on one machine. Starts the Temporal dev server (unless
// TEMPORAL_ADDRESS names a running one), local stand-ins for every integration that is not
// configured, the worker and the API. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { buildActivityDeps } from './activity-deps';
import { createApp } from './api/app';
import { loadConfig } from './config';
import { deploymentPolicy } from './policy/deployment';
import { startSmtpInbox } from './standins/smtp-inbox';
import { startStripeStandin } from './standins/stripe-standin';
import { connectClient, connectWorker, DEFAULT_TEMPORAL_ADDRESS } from './temporal';
import { bundleWorkflows, createCaseWorker } from './worker';

const ROOT = path.resolve(__dirname, '..', '..');
const say = (line: string) => console.log(`[start] ${line}`);

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port }, () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
}

async function startTemporal(): Promise<ChildProcess | null> {
  const [host, port] = DEFAULT_TEMPORAL_ADDRESS.split(':');
  const child = spawn('bash', [path.join(ROOT, 'temporal-dev.sh')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? 1; });
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
  const stopAll = async () => { for (const stop of stops.reverse()) { try { await stop(); } catch { /* keep stopping the rest */ } } };
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
    const dataDir = path.resolve(ROOT, env.DATA_DIR ?? '.data');
    if (!env.TEMPORAL_ADDRESS) {
      const temporal = await startTemporal();
      if (temporal) {
        stops.push(() => new Promise<void>((resolve) => {
          temporal.once('exit', () => resolve());
          try { process.kill(-temporal.pid!, 'SIGTERM'); } catch { resolve(); }
        }));
      }
    }
    const standins: string[] = [];
    if (!env.SMTP_URL) {
      const inbox = await startSmtpInbox({ port: Number(env.SMTP_INBOX_PORT ?? 2525), dir: path.join(dataDir, 'inbox'), log: say });
      env.SMTP_URL = inbox.url;
      stops.push(() => inbox.close());
      standins.push(`E-mail  -> local SMTP inbox ${inbox.url}, stored in ${path.relative(process.cwd(), path.join(dataDir, 'inbox')) || '.'}/ (list: node dist/scripts/inbox.js)`);
    }
    if (!env.STRIPE_SECRET_KEY && !env.STRIPE_API_BASE) {
      const stripe = await startStripeStandin({ port: Number(env.STRIPE_STANDIN_PORT ?? 12111), seedDemoData: true, log: say });
      env.STRIPE_API_BASE = stripe.url;
      stops.push(() => stripe.close());
      standins.push(`Stripe  -> local Stripe stand-in ${stripe.url} (demo customer cus_demo_ada, payments pi_demo_paid, pi_demo_declined)`);
    }

    const config = loadConfig(env);
    const deps = buildActivityDeps(config);
    stops.push(() => deps.close());
    const connection = await connectWorker(config.temporal);
    const worker = await createCaseWorker({
      connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps, workflowBundle: await bundleWorkflows(),
    });
    const running = worker.run();
    stops.push(async () => { worker.shutdown(); await running; await connection.close(); });

    const client = await connectClient(config.temporal);
    stops.push(() => client.connection.close());
    const app = createApp({ client, config, policy: deploymentPolicy(config) });
    const server = await new Promise<import('node:http').Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s)).on('error', reject);
    });
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const ui = env.TEMPORAL_ADDRESS ? '(your Temporal cluster\'s Web UI)' : `http://localhost:${env.TEMPORAL_UI_PORT ?? 8233}`;
    console.log([
      '',
      'Support Case Orchestrator is up.',
      `  API:          ${config.publicBaseUrl}  (OpenAPI: ${config.publicBaseUrl}/openapi.json)`,
      `  Temporal UI:  ${ui}`,
      `  Temporal:     ${config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS}, namespace ${config.temporal.namespace}`,
      ...standins.map((s) => `  ${s}`),
      config.demoTokens
        ? `  Auth:         Authorization: Bearer <token>; demo tokens (API_TOKENS unset): ${Object.entries(config.tokens).map(([t, w]) => `${t} (${w.role})`).join(', ')}`
        : '  Auth:         Authorization: Bearer <token> from API_TOKENS',
      '  Try:          curl -s -H "Authorization: Bearer demo-agent" ' + `${config.publicBaseUrl}/cases`,
      'Ctrl-C stops everything this command started.',
      '',
    ].join('\n'));
  } catch (err) {
    console.error(`[start] failed: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
