// Benchmark: what the HTTP API adds over the raw Temporal client, side by side on one dev server
// (DESIGN.md performance targets). Prints figures; asserts nothing.
//   npm run build && node dist/bench/api-overhead.js [cases=200] [actions=200]
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { agent, bearer, caseInput, caseWorker, TEST_ENV } from '../dev/fixtures';
import { startSmtpInbox } from '../dev/standins/smtp-inbox';
import { startStripeStandin } from '../dev/standins/stripe-standin';
import { createDevServerEnv, uniqueTaskQueue } from '../dev/temporal-servers';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { DEFAULT_POLICY } from '../src/policy/default-policy';
import {
  addNoteUpdate,
  caseWorkflowId,
  type CaseInput,
  CASE_WORKFLOW_TYPE,
  type SupportCaseWorkflow,
} from '../workflows/contracts';

const N = Number(process.argv[2] ?? 200);
const M = Number(process.argv[3] ?? 200);
const CONCURRENCY = 8;

async function pool<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};
const timed = async (fn: () => Promise<unknown>) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

async function main() {
  const [env, inbox, stripe] = await Promise.all([
    createDevServerEnv(),
    startSmtpInbox(),
    startStripeStandin({ seedDemoData: true }),
  ]);
  const taskQueue = uniqueTaskQueue('bench');
  const worker = await caseWorker(env, taskQueue, { inbox, stripe });
  const running = worker.run();
  const config = loadConfig({ ...TEST_ENV, NODE_ENV: 'bench', TEMPORAL_TASK_QUEUE: taskQueue });
  const server = createServer(createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = { ...bearer('agent'), 'Content-Type': 'application/json' };
  const body = (i: CaseInput) =>
    JSON.stringify({ channel: i.channel, customer: i.customer, subject: i.subject, description: i.description });

  // Opening cases: raw client.workflow.start vs POST /cases (which also answers with the case view).
  const rawInputs = Array.from({ length: N }, () => caseInput());
  let t = process.hrtime.bigint();
  await pool(N, (i) =>
    env.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
      workflowId: caseWorkflowId(rawInputs[i].caseId),
      taskQueue,
      args: [rawInputs[i]],
    }),
  );
  const rawRate = N / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  const apiIds = await pool(N, async (i) => {
    const res = await fetch(`${base}/cases`, { method: 'POST', headers, body: body(rawInputs[i]) });
    return ((await res.json()) as { caseId: string }).caseId;
  });
  const apiRate = N / (Number(process.hrtime.bigint() - t) / 1e9);

  // An agent action: raw executeUpdate vs POST /cases/:id/notes, sequential for clean latencies.
  const raw: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < M; i++) {
    const rawId = rawInputs[i % N].caseId;
    raw.push(
      await timed(() =>
        env.client.workflow
          .getHandle(caseWorkflowId(rawId))
          .executeUpdate(addNoteUpdate, { args: [{ actor: agent, text: `note ${i}` }] }),
      ),
    );
    api.push(
      await timed(async () => {
        await (
          await fetch(`${base}/cases/${apiIds[i % N]}/notes`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ text: `note ${i}` }),
          })
        ).json();
      }),
    );
  }

  console.log(`opening ${N} cases (concurrency ${CONCURRENCY}):`);
  console.log(`  raw client.workflow.start  ${rawRate.toFixed(1)} cases/s`);
  console.log(
    `  POST /cases                ${apiRate.toFixed(1)} cases/s  (${((100 * apiRate) / rawRate).toFixed(0)}% of raw; target >= 90%)`,
  );
  console.log(`agent action, ${M} sequential Updates:`);
  console.log(`  raw executeUpdate          p50 ${pct(raw, 50).toFixed(2)} ms  p99 ${pct(raw, 99).toFixed(2)} ms`);
  console.log(`  POST /cases/:id/notes      p50 ${pct(api, 50).toFixed(2)} ms  p99 ${pct(api, 99).toFixed(2)} ms`);
  console.log(
    `  added by the API           p50 +${(pct(api, 50) - pct(raw, 50)).toFixed(2)} ms (target <= 5 ms)  p99 +${((100 * (pct(api, 99) - pct(raw, 99))) / pct(raw, 99)).toFixed(0)}% (target <= 20%)`,
  );

  server.close();
  worker.shutdown();
  await running;
  await Promise.all([env.teardown(), inbox.close(), stripe.close()]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
