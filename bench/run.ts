// `npm run bench`: B1-B7 in one run, on one Temporal dev server (SQLite file, as `npm start` runs
// it), with the worker as a separate process (`npm run worker`), the API in this process and real
// protocol peers (SMTP inbox, Stripe, Slack, PagerDuty stand-ins). Prints one table and writes
// bench/results.json. Measures; asserts nothing (tests never assert timings).
//
//   npm run bench                       the default sizes, a few minutes
//   npm run bench -- --cases 10000      the outage: 10,000 chat cases breaching in the same minute
//   options: --cases N (B4), --open-cases N (B3), --opens N (B1, per round), --actions N (B2),
//            --sqlite-pragma P (repeatable; default DEV_SQLITE_PRAGMAS), --no-sqlite-pragmas,
//            --dynamic-config KEY=JSON (repeatable; default DEV_DYNAMIC_CONFIG), --no-dynamic-config,
//            --workers N (B3's worker processes on one task queue: does capacity scale out?),
//            --linked N (B6: cases one incident update reaches), --report-cases N (B7: cases
//            the metrics routes count over), --only B1,B4 (a subset),
//            --out FILE (default bench/results.json)
//   WORKER_* variables (README, Configuration) tune the worker processes; BENCH_WORKER_NODE_OPTIONS
//   is their NODE_OPTIONS (e.g. --max-old-space-size=2048).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bearer, caseInput, TEST_ENV, TEST_PAGERDUTY_ROUTING_KEY, TEST_SLACK_TOKEN } from '../dev/fixtures';
import { startPagerDutyStandin } from '../dev/standins/pagerduty-standin';
import { startSlackStandin } from '../dev/standins/slack-standin';
import { startSmtpInbox, type ReceivedMail } from '../dev/standins/smtp-inbox';
import { startStripeStandin } from '../dev/standins/stripe-standin';
import { DEV_DYNAMIC_CONFIG, DEV_SQLITE_PRAGMAS, freePort, startDevServerProcess } from '../dev/temporal-servers';
import { createApp } from '../src/api/app';
import { loadConfig, WORKER_KEYS } from '../src/config';
import type { SupportPolicy } from '../src/policy/types';
import { connectClient } from '../src/temporal';
import {
  addNoteUpdate,
  caseViewQuery,
  caseWorkflowId,
  CASE_WORKFLOW_TYPE,
  type CaseInput,
  type CaseView,
  type SupportCaseWorkflow,
} from '../workflows/contracts';
import { children, pct, pool, RssSampler, rssMb, sleep, startWorkerProcess, timed, type WorkerProcess } from './lib';
import { basePolicy, breachPolicy } from './policy';

// ---- options ----
const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const B4_CASES = opt('cases', 300);
const B3_CASES = opt('open-cases', 1000);
const B3_WORKERS = opt('workers', 1);
const B1_OPENS = opt('opens', 200);
const B2_ACTIONS = opt('actions', 200);
const B6_CASES = opt('linked', 500);
const B7_CASES = opt('report-cases', 2000);
const B1_ROUNDS = 2;
const CONCURRENCY = 16;
const pragmas = argv.includes('--no-sqlite-pragmas')
  ? []
  : argv.flatMap((a, i) => (a === '--sqlite-pragma' ? [argv[i + 1]] : []));
const SQLITE_PRAGMAS = pragmas.length > 0 || argv.includes('--no-sqlite-pragmas') ? pragmas : [...DEV_SQLITE_PRAGMAS];
const dyn = argv.flatMap((a, i) => (a === '--dynamic-config' ? [argv[i + 1]] : []));
const DYNAMIC_CONFIG = argv.includes('--no-dynamic-config') ? [] : dyn.length > 0 ? dyn : [...DEV_DYNAMIC_CONFIG];
const onlyArg = argv.indexOf('--only');
const ONLY = onlyArg >= 0 ? new Set(argv[onlyArg + 1].split(',')) : null;
const runs = (b: string) => !ONLY || ONLY.has(b);
const outArg = argv.indexOf('--out');
const ROOT = path.resolve(__dirname, '..', '..');
const OUT = outArg >= 0 ? path.resolve(argv[outArg + 1]) : path.join(ROOT, 'bench', 'results.json');
for (const [k, v] of Object.entries({ B4_CASES, B3_CASES, B3_WORKERS, B1_OPENS, B2_ACTIONS, B6_CASES, B7_CASES }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`${k}: a whole number of at least 1, not ${v}`);

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

// ---- the table ----
interface Figure {
  id: string;
  figure: string;
  value: number | string;
  unit: string;
  target: string;
  met: boolean | null;
  detail?: Record<string, unknown>;
}
const figures: Figure[] = [];
const add = (f: Figure) => {
  figures.push(f);
  log(`${f.id} ${f.figure}: ${typeof f.value === 'number' ? round(f.value) : f.value} ${f.unit}`);
};
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);

// ---- the stage ----
interface Stage {
  client: Client;
  address: string;
  serverPid: number;
  base: string;
  taskQueue: string;
  /** The API in this process serves whichever app is current (the policy differs per figure). */
  useApp(policy: SupportPolicy): void;
  inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  pagerDuty: Awaited<ReturnType<typeof startPagerDutyStandin>>;
  workerEnv(taskQueue: string): Record<string, string>;
  rss: RssSampler;
}

let keys = 0;
const idempotencyKey = () => `bench-${process.pid}-${++keys}`;

/** POST to the API; the status and the JSON answer. */
async function post(base: string, route: string, body: unknown, who: 'agent' | 'engineer' | 'intake' = 'agent') {
  const res = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { ...bearer(who), 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey() },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json };
}

const openBody = (i: CaseInput) => ({
  channel: i.channel,
  customer: i.customer,
  subject: i.subject,
  description: i.description,
});

/** Worker metrics change no more for `quietMs`: the worker has caught up. */
async function drained(worker: WorkerProcess, quietMs = 1500, maxMs = 120_000): Promise<void> {
  const started = Date.now();
  let last = '';
  let since = Date.now();
  while (Date.now() - started < maxMs) {
    const m = await worker.metrics();
    const now = ['temporal_workflow_task_execution_latency_count', 'temporal_activity_execution_latency_count']
      .map((k) => m.get(k) ?? 0)
      .join('/');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await sleep(250);
  }
}

// ---- B1, B2: what the API adds ----
async function b1b2(st: Stage, worker: WorkerProcess): Promise<{ apiRate: number }> {
  const policy = basePolicy();
  st.useApp(policy);
  const rawRates: number[] = [];
  const apiRates: number[] = [];
  const rawIds: string[] = [];
  const apiIds: string[] = [];
  const statuses = new Map<number, number>();
  const raw = async () => {
    const inputs = Array.from({ length: B1_OPENS }, () => caseInput({ policy }));
    const t = process.hrtime.bigint();
    await pool(B1_OPENS, CONCURRENCY, (i) =>
      st.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
        workflowId: caseWorkflowId(inputs[i].caseId),
        taskQueue: st.taskQueue,
        args: [inputs[i]],
      }),
    );
    rawRates.push(B1_OPENS / (Number(process.hrtime.bigint() - t) / 1e9));
    rawIds.push(...inputs.map((i) => i.caseId));
  };
  const api = async () => {
    const inputs = Array.from({ length: B1_OPENS }, () => caseInput({ policy }));
    const t = process.hrtime.bigint();
    const ids = await pool(B1_OPENS, CONCURRENCY, async (i) => {
      const r = await post(st.base, '/cases', openBody(inputs[i]));
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      return String(r.json.caseId);
    });
    apiRates.push(B1_OPENS / (Number(process.hrtime.bigint() - t) / 1e9));
    apiIds.push(...ids);
  };
  // raw, API, API, raw: each kind runs once early and once late; the worker catches up in between.
  for (let r = 0; r < B1_ROUNDS; r++) {
    for (const phase of r % 2 === 0 ? [raw, api] : [api, raw]) {
      await phase();
      await drained(worker);
    }
  }
  const rawRate = rawRates.reduce((a, b) => a + b, 0) / rawRates.length;
  const apiRate = apiRates.reduce((a, b) => a + b, 0) / apiRates.length;
  add({
    id: 'B1',
    figure: `POST /cases as a share of raw client.workflow.start (concurrency ${CONCURRENCY})`,
    value: (100 * apiRate) / rawRate,
    unit: '%',
    target: '>= 90%',
    met: (100 * apiRate) / rawRate >= 90,
    detail: {
      rawCasesPerSecond: rawRates.map(round),
      apiCasesPerSecond: apiRates.map(round),
      opensPerRound: B1_OPENS,
      statuses: Object.fromEntries(statuses),
    },
  });

  // B2: one agent action, sequential, raw Update and API alternating.
  const rawMs: number[] = [];
  const apiMs: number[] = [];
  for (let i = 0; i < B2_ACTIONS; i++) {
    const rawId = rawIds[i % rawIds.length];
    rawMs.push(
      await timed(() =>
        st.client.workflow
          .getHandle(caseWorkflowId(rawId))
          .executeUpdate(addNoteUpdate, { args: [{ actor: AGENT, text: `note ${i}` }] }),
      ),
    );
    apiMs.push(await timed(() => post(st.base, `/cases/${apiIds[i % apiIds.length]}/notes`, { text: `note ${i}` })));
  }
  const p50 = pct(apiMs, 50) - pct(rawMs, 50);
  const p99 = (100 * (pct(apiMs, 99) - pct(rawMs, 99))) / pct(rawMs, 99);
  const b2detail = {
    actions: B2_ACTIONS,
    rawP50Ms: round(pct(rawMs, 50)),
    rawP99Ms: round(pct(rawMs, 99)),
    apiP50Ms: round(pct(apiMs, 50)),
    apiP99Ms: round(pct(apiMs, 99)),
  };
  add({
    id: 'B2',
    figure: 'agent action (POST /cases/:id/notes) over a raw Update, p50',
    value: p50,
    unit: 'ms',
    target: '<= +5 ms',
    met: p50 <= 5,
    detail: b2detail,
  });
  add({
    id: 'B2',
    figure: 'agent action (POST /cases/:id/notes) over a raw Update, p99',
    value: p99,
    unit: '%',
    target: '<= +20%',
    met: p99 <= 20,
    detail: b2detail,
  });
  return { apiRate };
}
const AGENT = { id: 'alex-agent', name: 'Alex Agent', role: 'agent' as const };

// ---- B3: worker memory per 1,000 cached open cases ----
async function b3(st: Stage): Promise<void> {
  const taskQueue = `bench-memory-${process.pid}`;
  const workers: WorkerProcess[] = [];
  try {
    for (let w = 0; w < B3_WORKERS; w++)
      workers.push(await startWorkerProcess(st.workerEnv(taskQueue), `127.0.0.1:${await freePort()}`));
    const policy = basePolicy();
    const open = async (n: number) => {
      const inputs = Array.from({ length: n }, () => caseInput({ policy, channel: 'chat' }));
      await pool(n, CONCURRENCY, (i) =>
        st.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
          workflowId: caseWorkflowId(inputs[i].caseId),
          taskQueue,
          args: [inputs[i]],
        }),
      );
      for (const w of workers) await drained(w, 3000);
      await sleep(2000);
    };
    const cachedBy = async (w: WorkerProcess) => (await w.metrics()).get('temporal_sticky_cache_size') ?? NaN;
    // Warm up first: the first cases load the workflow bundle into the V8 context, once per process.
    await open(20 * B3_WORKERS);
    const before = await Promise.all(
      workers.map(async (w) => ({ rss: await settledRss(w.pid), cached: await cachedBy(w) })),
    );
    await open(B3_CASES);
    const after = await Promise.all(
      workers.map(async (w) => ({ rss: await settledRss(w.pid), cached: await cachedBy(w) })),
    );
    const grownMb = after.reduce((a, x, i) => a + x.rss - before[i].rss, 0);
    const cached = after.reduce((a, x, i) => a + x.cached - before[i].cached, 0);
    const perThousand = (grownMb * 1000) / cached;
    add({
      id: 'B3',
      figure: `worker RSS growth per 1,000 cached open chat cases (${B3_CASES} opened, ${B3_WORKERS} worker process${B3_WORKERS > 1 ? 'es' : ''})`,
      value: perThousand,
      unit: 'MB',
      target: '<= 250 MB',
      met: perThousand <= 250,
      detail: {
        openCases: B3_CASES,
        warmUpCases: 20 * B3_WORKERS,
        workers: workers.map((w, i) => ({
          rssBeforeMb: round(before[i].rss),
          rssAfterMb: round(after[i].rss),
          cachedBefore: before[i].cached,
          cachedAfter: after[i].cached,
        })),
      },
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** The median of a few RSS samples, a quarter second apart. */
async function settledRss(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(rssMb(pid));
    await sleep(250);
  }
  return pct(xs, 50);
}

// ---- B5: history of one case ----
interface History {
  events: number;
  bytes: number;
}
/** The case's history as `temporal workflow show --output json` exports it. */
function historyOf(st: Stage, caseId: string): History {
  const cli = process.env.TEMPORAL_CLI ?? path.join(ROOT, '.venv', 'bin', 'temporal');
  const r = spawnSync(
    cli,
    ['workflow', 'show', '--workflow-id', caseWorkflowId(caseId), '--address', st.address, '--output', 'json'],
    { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`temporal workflow show: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { events: unknown[] };
  return { events: json.events.length, bytes: Buffer.byteLength(r.stdout) };
}

const mailOf = (st: Stage, pred: (m: ReceivedMail) => boolean, timeoutMs = 60_000) => st.inbox.waitFor(pred, timeoutMs);

async function b5Email(st: Stage): Promise<void> {
  st.useApp(basePolicy());
  const opened = await post(st.base, '/cases', openBody(caseInput()));
  const caseId = String(opened.json.caseId);
  const steps: [string, unknown][] = [
    [`/cases/${caseId}/assign`, {}],
    [`/cases/${caseId}/reply`, { message: 'Could you tell me which browser you use?' }],
    [
      `/cases/${caseId}/resolve`,
      {
        actionTaken: 'reset your password',
        expectedResult: 'you can log in again',
        specificAction: 'logging in with the new password',
      },
    ],
  ];
  for (const [route, body] of steps) {
    const r = await post(st.base, route, body);
    if (r.status >= 300) throw new Error(`B5: ${route} answered ${r.status} ${JSON.stringify(r.json)}`);
  }
  const survey = await mailOf(
    st,
    (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'csat_survey',
  );
  const link = /https?:\/\/\S+\/csat\/[A-Za-z0-9._-]+/.exec(survey.text)?.[0];
  if (!link) throw new Error('B5: the survey e-mail has no link');
  const rated = await fetch(link, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ rating: 5, comment: 'quick and kind' }),
  });
  if (rated.status !== 200) throw new Error(`B5: rating answered ${rated.status}`);
  await waitForView(st, caseId, (v) => v.status === 'closed');
  await sleep(1000);
  const h = historyOf(st, caseId);
  addHistory('e-mail case worked to a rating', h, 60, 64);
}

/** Starts the P0 case (its ladder climbs a rung a minute) and returns what finishes it. */
async function b5P0Start(st: Stage): Promise<() => Promise<void>> {
  st.useApp(basePolicy());
  const opened = await post(st.base, '/cases', {
    ...openBody(caseInput()),
    subject: 'Cannot pay for anything',
    description: 'Payment system failure: every checkout fails.',
    category: 'payment',
  });
  const caseId = String(opened.json.caseId);
  const esc = await post(st.base, `/cases/${caseId}/escalate`, {
    severity: 'P0',
    title: 'Checkout down',
    affectedUsers: 'Every paying customer',
    issue: 'Every checkout answers 502.',
    stepsToReproduce: ['Pick a package', 'Pay'],
    userImpact: 'Nobody can buy sessions.',
    whatTried: 'Checked Stripe status: fine.',
  });
  if (esc.status >= 300) throw new Error(`B5: escalate answered ${esc.status} ${JSON.stringify(esc.json)}`);
  return async () => {
    // The whole ladder: PagerDuty, PagerDuty for on-call after 1 minute, the CTO's e-mail after 2.
    await st.pagerDuty.waitFor((e) => e.dedupKey === `case-${caseId}:esc-1:rung-2`, 300_000);
    await mailOf(st, (m) => m.headers['x-case-id'] === caseId && m.to.includes('cto@edustream.com'), 300_000);
    for (const [route, body] of [
      [`/cases/${caseId}/escalations/esc-1/ack`, {}],
      [`/cases/${caseId}/escalations/esc-1/resolve`, { note: 'rolled back the deploy' }],
      [
        `/cases/${caseId}/resolve`,
        {
          actionTaken: 'had Engineering roll back a faulty release',
          expectedResult: 'checkout works again',
          specificAction: 'paying again',
        },
      ],
    ] as const) {
      const r = await post(st.base, route, body, route.includes('/escalations/') ? 'engineer' : 'agent');
      if (r.status >= 300) throw new Error(`B5: ${route} answered ${r.status} ${JSON.stringify(r.json)}`);
    }
    await mailOf(st, (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'issue_resolved');
    await sleep(1000);
    addHistory('P0 case: the whole ladder, acknowledged, resolved', historyOf(st, caseId), 120, 128);
  };
}

function addHistory(what: string, h: History, maxEvents: number, maxKb: number) {
  add({
    id: 'B5',
    figure: `history, ${what}: events`,
    value: h.events,
    unit: 'events',
    target: `<= ${maxEvents}`,
    met: h.events <= maxEvents,
  });
  add({
    id: 'B5',
    figure: `history, ${what}: JSON export`,
    value: h.bytes / 1024,
    unit: 'KB',
    target: `<= ${maxKb} KB`,
    met: h.bytes <= maxKb * 1024,
  });
}

async function waitForView(st: Stage, caseId: string, pred: (v: CaseView) => boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await st.client.workflow.getHandle(caseWorkflowId(caseId)).query(caseViewQuery);
    if (pred(v)) return v;
    if (Date.now() > until) throw new Error(`case ${caseId}: not there within ${timeoutMs} ms (${v.status})`);
    await sleep(200);
  }
}

/** The case view, asked again while a busy worker lets queries time out; undefined if it never answers. */
async function viewOf(st: Stage, caseId: string): Promise<CaseView | undefined> {
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      return await st.client.workflow.getHandle(caseWorkflowId(caseId)).query(caseViewQuery);
    } catch {
      await sleep(2000 * (attempt + 1));
    }
  }
  return undefined;
}

// ---- B4: N chat cases breaching together ----
// ---- B7: what the metrics cost as cases pile up ----
async function b7(st: Stage, worker: WorkerProcess): Promise<void> {
  const n = B7_CASES;
  log(`B7: opening ${n} cases across channels, then timing the metrics routes`);
  const channels = ['email', 'chat', 'in_app'] as const;
  let i = 0;
  await pool(n, CONCURRENCY, async () => {
    const r = await post(st.base, '/cases', openBody(caseInput({ channel: channels[i++ % 3] })), 'intake');
    return r.status;
  });
  await drained(worker, 3000, 600_000);
  const get = async (route: string) => {
    const t = process.hrtime.bigint();
    const res = await fetch(`${st.base}${route}`, { headers: bearer('lead') });
    await res.text();
    if (res.status !== 200) throw new Error(`B7: ${route} answered ${res.status}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const count = await st.client.workflow.count(`WorkflowType = '${CASE_WORKFLOW_TYPE}'`);
  for (const route of ['/metrics/live', '/metrics/summary', '/reports/weekly']) {
    const ms: number[] = [];
    for (let k = 0; k < 5; k++) ms.push(await get(route));
    ms.sort((a, b) => a - b);
    add({
      id: 'B7',
      figure: `GET ${route} over ${count.count} cases: median of 5`,
      value: ms[2],
      unit: 'ms',
      target: '',
      met: null,
      detail: { ms },
    });
  }
}

// ---- B6: one incident update to hundreds of linked customers ----
async function b6(st: Stage, worker: WorkerProcess): Promise<void> {
  const n = B6_CASES;
  log(`B6: opening ${n} e-mail cases and one incident linking them`);
  const opened = await pool(n, CONCURRENCY, async () => {
    const r = await post(st.base, '/cases', openBody(caseInput({ channel: 'email' })), 'intake');
    return r.status === 201 ? String(r.json.caseId) : null;
  });
  const ids = opened.filter((id): id is string => id !== null);
  const inc = await post(
    st.base,
    '/incidents',
    { title: 'Bench outage', severity: 'P1', area: { component: 'login' } },
    'engineer',
  );
  const incidentId = String(inc.json.incidentId);
  for (let i = 0; i < ids.length; i += 500)
    await post(st.base, `/incidents/${incidentId}/cases`, { link: ids.slice(i, i + 500) }, 'agent');
  await drained(worker);
  const wanted = new Set(ids);
  const notices = () =>
    st.inbox
      .messages()
      .filter((m) => m.headers['x-template-id'] === 'escalation_notice' && wanted.has(m.headers['x-case-id']));
  const before = notices().length;
  const t0 = Date.now();
  await post(st.base, `/incidents/${incidentId}/updates`, { text: 'We are on it.' }, 'engineer');
  let fannedOutMs: number | null = null;
  const until = Date.now() + Math.max(120_000, n * 200);
  while (Date.now() < until) {
    if (fannedOutMs === null) {
      const v = await st.client.workflow
        .getHandle(`incident-${incidentId}`)
        .query<{ updates: { notified: number }[] }>('incidentView')
        .catch(() => null);
      if ((v?.updates[0]?.notified ?? 0) >= ids.length) fannedOutMs = Date.now() - t0;
    }
    if (notices().length - before >= ids.length && fannedOutMs !== null) break;
    await sleep(100);
  }
  const mails = notices();
  const lastAt = Math.max(...mails.map((m) => Date.parse(m.receivedAt)));
  const perCase = new Map<string, number>();
  for (const m of mails) perCase.set(m.headers['x-case-id'], (perCase.get(m.headers['x-case-id']) ?? 0) + 1);
  const once = ids.filter((id) => perCase.get(id) === 1).length;
  add({
    id: 'B6',
    figure: `update to ${ids.length} linked cases: every case signalled`,
    value: (fannedOutMs ?? NaN) / 1000,
    unit: 's',
    target: '',
    met: null,
  });
  add({
    id: 'B6',
    figure: `update to ${ids.length} linked cases: last e-mail at the SMTP peer`,
    value: (lastAt - t0) / 1000,
    unit: 's',
    target: '',
    met: null,
  });
  add({
    id: 'B6',
    figure: `update to ${ids.length} linked cases: e-mailed exactly once`,
    value: `${once}/${ids.length}`,
    unit: '',
    target: 'all',
    met: once === ids.length,
  });
}

async function b4(st: Stage, worker: WorkerProcess, apiRate: number): Promise<void> {
  const n = B4_CASES;
  // The window opens on a whole minute after every case is open (at the rate B1 measured, with room).
  const openSeconds = n / Math.max(apiRate, 5);
  const opensAt = new Date(Math.ceil((Date.now() + (openSeconds * 1.5 + 20) * 1000) / 60_000) * 60_000);
  const deadline = opensAt.getTime() + 60_000;
  st.useApp(breachPolicy(opensAt));
  log(`B4: opening ${n} chat cases; their first response is due at ${new Date(deadline).toISOString()}`);
  st.rss.reset();
  const metricsBefore = await worker.metrics();
  const statuses = new Map<number, number>();
  const t = process.hrtime.bigint();
  const opened = await pool(n, CONCURRENCY, async () => {
    const r = await post(st.base, '/cases', openBody(caseInput({ channel: 'chat' })), 'intake').catch((err: Error) => {
      log(`B4: POST /cases failed: ${err.message}`);
      return { status: 0, json: {} as Record<string, unknown> };
    });
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    return r.status === 201 || r.status === 200 ? String(r.json.caseId) : null;
  });
  const ids = opened.filter((id): id is string => id !== null);
  const openedIn = Number(process.hrtime.bigint() - t) / 1e9;
  const openedAfterWindow = Date.now() > opensAt.getTime();
  log(
    `B4: ${ids.length} of ${n} opened in ${openedIn.toFixed(1)} s (${(n / openedIn).toFixed(1)}/s; answers ${JSON.stringify(Object.fromEntries(statuses))}); waiting for the breaches`,
  );

  // Every breach e-mail at the SMTP peer, or give up 5 minutes after the deadline.
  const isBreach = (m: ReceivedMail) => m.headers['x-notice'] === 'sla_breach';
  const wanted = new Set(ids);
  const until = Math.max(deadline, Date.now()) + Math.max(300_000, n * 100);
  let got = 0;
  let polls = 0;
  while (Date.now() < until) {
    got = new Set(
      st.inbox
        .messages()
        .filter((m) => isBreach(m) && wanted.has(m.headers['x-case-id']))
        .map((m) => m.headers['x-case-id']),
    ).size;
    if (got >= ids.length) break;
    if (++polls % 60 === 0) log(`B4: ${got} of ${ids.length} breach e-mails so far`);
    await sleep(500);
  }
  await sleep(3000); // a duplicate would arrive after its twin
  // Where the worker spent the burst: mean workflow task execution and schedule-to-start, activities.
  const metricsAfter = await worker.metrics();
  const mean = (name: string) => {
    const d = (k: string) => (metricsAfter.get(k) ?? 0) - (metricsBefore.get(k) ?? 0);
    return { count: d(`${name}_count`), meanMs: round(d(`${name}_sum`) / d(`${name}_count`)) };
  };
  const workerMetrics = {
    workflowTaskExecution: mean('temporal_workflow_task_execution_latency'),
    workflowTaskScheduleToStart: mean('temporal_workflow_task_schedule_to_start_latency'),
    activityExecution: mean('temporal_activity_execution_latency'),
    activityScheduleToStart: mean('temporal_activity_schedule_to_start_latency'),
  };
  const peakWorker = st.rss.peak('worker');
  const peakServer = st.rss.peak('server');
  const mails = st.inbox.messages().filter((m) => isBreach(m) && wanted.has(m.headers['x-case-id']));
  const perCase = new Map<string, ReceivedMail[]>();
  for (const m of mails) perCase.set(m.headers['x-case-id'], [...(perCase.get(m.headers['x-case-id']) ?? []), m]);
  const exactlyOnce = ids.filter((id) => perCase.get(id)?.length === 1).length;
  const duplicated = ids.filter((id) => (perCase.get(id)?.length ?? 0) > 1).length;
  const missing = ids.filter((id) => !perCase.has(id)).length;

  // The workflow's own timer: when its breach is in the timeline, against the deadline it was held to.
  const timerLate: number[] = [];
  const mailLate: number[] = [];
  let sharedDeadline = 0;
  let breachEntries = 0;
  let unreadable = 0;
  await pool(ids.length, CONCURRENCY, async (i) => {
    const v = await viewOf(st, ids[i]);
    if (!v) {
      unreadable++;
      return;
    }
    const clock = v.clocks?.find((c) => c.id === 'first_response');
    const due = clock?.deadline ? Date.parse(clock.deadline) : NaN;
    if (due === deadline) sharedDeadline++;
    const entries = v.timeline.filter((e) => e.action === 'sla_breached' && e.detail?.startsWith('First response'));
    breachEntries += entries.length;
    if (entries[0]) timerLate.push(Date.parse(entries[0].at) - due);
    const mail = perCase.get(ids[i])?.[0];
    if (mail) mailLate.push(Date.parse(mail.receivedAt) - due);
  });
  // Where the lateness arises, from a sample of histories: the server firing the timer, then the
  // workflow task that records the breach starting on the worker.
  const firedLate: number[] = [];
  const taskLate: number[] = [];
  const sample = ids.slice(0, 200);
  await pool(sample.length, CONCURRENCY, async (i) => {
    const history = await st.client.workflow
      .getHandle(caseWorkflowId(sample[i]))
      .fetchHistory()
      .catch(() => undefined);
    const events = history?.events ?? [];
    const at = (e: (typeof events)[number]) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
    const fired = events.findIndex((e) => e.timerFiredEventAttributes && at(e) >= deadline - 1000);
    if (fired < 0) return;
    firedLate.push(at(events[fired]) - deadline);
    const started = events.slice(fired).find((e) => e.workflowTaskStartedEventAttributes);
    if (started) taskLate.push(at(started) - deadline);
  });
  const fiveXx = [...statuses].filter(([s]) => s >= 500 || s === 0).reduce((a, [, c]) => a + c, 0);
  const detail = {
    cases: n,
    deadline: new Date(deadline).toISOString(),
    casesOnTheSharedDeadline: sharedDeadline,
    openedAfterTheWindowOpened: openedAfterWindow,
    openSeconds: round(openedIn),
    openRatePerSecond: round(n / openedIn),
    postCasesStatuses: Object.fromEntries(statuses),
    postCases5xx: fiveXx,
    breachMailsExactlyOnce: exactlyOnce,
    breachMailsDuplicated: duplicated,
    breachMailsMissing: missing,
    timelineBreachEntries: breachEntries,
    viewsUnreadable: unreadable,
    timerLatenessMs: { p50: pct(timerLate, 50), p99: pct(timerLate, 99), max: Math.max(...timerLate) },
    mailLatenessMs: { p50: pct(mailLate, 50), p99: pct(mailLate, 99), max: Math.max(...mailLate) },
    historySample: sample.length,
    serverTimerFiredLatenessMs: { p50: pct(firedLate, 50), p99: pct(firedLate, 99), max: Math.max(...firedLate) },
    workflowTaskStartedLatenessMs: { p50: pct(taskLate, 50), p99: pct(taskLate, 99), max: Math.max(...taskLate) },
    workerMetrics,
    peakWorkerRssMb: round(peakWorker),
    peakServerRssMb: round(peakServer),
  };
  add({
    id: 'B4',
    figure: `${n} chat cases breaching together: breach e-mails exactly once`,
    value: `${exactlyOnce}/${n}`,
    unit: '',
    target: 'all, exactly once',
    met: exactlyOnce === n,
    detail,
  });
  for (const [what, xs] of [
    ['timer (timeline entry)', timerLate],
    ['e-mail at the SMTP peer', mailLate],
  ] as const) {
    add({
      id: 'B4',
      figure: `breach lateness after the deadline, ${what}: p50 / p99 / max`,
      value: `${(pct(xs, 50) / 1000).toFixed(2)} / ${(pct(xs, 99) / 1000).toFixed(2)} / ${(Math.max(...xs) / 1000).toFixed(2)}`,
      unit: 's',
      target: 'p99 <= 1 s',
      met: pct(xs, 99) <= 1000,
    });
  }
  add({
    id: 'B4',
    figure: 'open rate through POST /cases during the burst; 5xx answers',
    value: `${(n / openedIn).toFixed(1)}/s; ${fiveXx}`,
    unit: '',
    target: 'no 5xx',
    met: fiveXx === 0,
  });
  add({
    id: 'B4',
    figure: 'peak RSS during B4: worker process / dev server',
    value: `${peakWorker.toFixed(0)} / ${peakServer.toFixed(0)}`,
    unit: 'MB',
    target: '-',
    met: null,
  });
  void worker;
}

// ---- the run ----
async function main() {
  const started = new Date();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-'));
  const dbFile = path.join(dir, 'temporal.db');
  log(
    `dev server: SQLite ${dbFile}${SQLITE_PRAGMAS.map((p) => ` --sqlite-pragma ${p}`).join('')}${DYNAMIC_CONFIG.map((d) => ` --dynamic-config-value ${d}`).join('')}`,
  );
  // Ctrl-C stops what this run started: the worker processes and the dev server.
  const onSignal = () => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const server = await startDevServerProcess({ dbFile, sqlitePragmas: SQLITE_PRAGMAS, dynamicConfig: DYNAMIC_CONFIG });
  const [inbox, stripe, slack, pagerDuty] = await Promise.all([
    startSmtpInbox(),
    startStripeStandin({ seedDemoData: true }),
    startSlackStandin({ token: TEST_SLACK_TOKEN }),
    startPagerDutyStandin({ routingKey: TEST_PAGERDUTY_ROUTING_KEY }),
  ]);
  const taskQueue = `bench-${process.pid}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...TEST_ENV,
    NODE_ENV: 'bench',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PUBLIC_BASE_URL: base,
  };
  const config = loadConfig(env);
  const client = await connectClient(config.temporal);
  let app = createApp({ client, config, policy: basePolicy(), log: () => undefined });
  const http: Server = createServer((req, res) => app(req, res));
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', () => r()));
  children.add(server.pid);
  const rss = new RssSampler();
  rss.watch('server', server.pid);
  const knobs = Object.fromEntries(WORKER_KEYS.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const st: Stage = {
    client,
    address: server.address,
    serverPid: server.pid,
    base,
    taskQueue,
    useApp: (policy) => {
      app = createApp({ client, config, policy, log: () => undefined });
    },
    inbox,
    pagerDuty,
    rss,
    workerEnv: (q) => ({
      PATH: process.env.PATH ?? '',
      // e.g. --max-old-space-size for the worker's heap, like a deployment would set it.
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      ...env,
      TEMPORAL_TASK_QUEUE: q,
      SMTP_URL: inbox.url,
      STRIPE_API_BASE: stripe.url,
      SLACK_BOT_TOKEN: TEST_SLACK_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      PAGERDUTY_ROUTING_KEY: TEST_PAGERDUTY_ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pagerDuty.eventsUrl,
      ...knobs,
    }),
  };
  const workerTuning = loadConfig({ ...env, ...knobs }).worker;
  log(`worker tuning: ${JSON.stringify(workerTuning)}`);
  try {
    if (runs('B3')) await b3(st);
    const worker = await startWorkerProcess(st.workerEnv(taskQueue), `127.0.0.1:${await freePort()}`);
    rss.watch('worker', worker.pid);
    try {
      let apiRate = 50;
      if (runs('B1') || runs('B2')) apiRate = (await b1b2(st, worker)).apiRate;
      if (runs('B5')) await b5Email(st);
      const finishP0 = runs('B5') ? await b5P0Start(st) : null;
      if (runs('B4')) await b4(st, worker, apiRate);
      if (runs('B6')) await b6(st, worker);
      if (runs('B7')) await b7(st, worker);
      if (finishP0) await finishP0();
    } finally {
      await worker.stop();
    }
  } finally {
    print(started, workerTuning);
    writeFileSync(
      OUT,
      `${JSON.stringify(
        {
          startedAt: started.toISOString(),
          finishedAt: new Date().toISOString(),
          machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
          server: { sqlite: dbFile, sqlitePragmas: SQLITE_PRAGMAS, dynamicConfig: DYNAMIC_CONFIG },
          sizes: {
            b1OpensPerRound: B1_OPENS,
            b1Rounds: B1_ROUNDS,
            b2Actions: B2_ACTIONS,
            b3OpenCases: B3_CASES,
            b4Cases: B4_CASES,
            b6LinkedCases: B6_CASES,
            b7ReportCases: B7_CASES,
          },
          workerTuning,
          figures: figures.map((f) => ({ ...f, value: typeof f.value === 'number' ? round(f.value) : f.value })),
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${path.relative(process.cwd(), OUT)}`);
    rss.stop();
    http.close();
    await client.connection.close();
    await Promise.all([inbox.close(), stripe.close(), slack.close(), pagerDuty.close()]);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(started: Date, tuning: unknown) {
  const rows = figures.map((f) => [
    f.id,
    f.figure,
    `${typeof f.value === 'number' ? round(f.value) : f.value}${f.unit ? ` ${f.unit}` : ''}`,
    f.target,
    f.met === null ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const head = ['', 'figure', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(
    `\nnpm run bench, ${started.toISOString()}; SQLite ${SQLITE_PRAGMAS.join(' ') || '(no pragmas)'}; ` +
      `dynamic config ${DYNAMIC_CONFIG.join(' ') || '(none)'}; worker ${JSON.stringify(tuning)}`,
  );
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
