// Real Temporal servers for tests, benchmarks and recordings, from the pinned binaries in .venv/
// (never downloaded).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { bundleWorkflows } from '../src/worker';
import { SEARCH_ATTRIBUTES } from '../workflows/contracts';

const ROOT = path.resolve(__dirname, '..', '..');

function binary(envVar: string, name: string): string {
  const p = process.env[envVar] ?? path.join(ROOT, '.venv', 'bin', name);
  if (!existsSync(p))
    throw new Error(`${p} is missing: run 'bash temporal-dev.sh --install' (npm test does it in pretest)`);
  return p;
}

/** The time-skipping test server, for clocks. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binary('TEMPORAL_TEST_SERVER', 'temporal-test-server') } },
  });
  // The test server knows no custom search attributes until they are registered, like a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_TYPE[k.type]])),
  });
  return env;
}

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

let runtimeInstalled = false;
/** Keeps the SDK's own logs to warnings, so test output stays readable; must run before any env or worker. */
export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    /* already installed */
  }
}

/** The dev server (in memory), for updates, visibility and schedules. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binary('TEMPORAL_CLI', 'temporal') },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (the whole test run, a benchmark). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

let queues = 0;
/** A task queue of its own for each test (or benchmark). */
export const uniqueTaskQueue = (prefix = 'test') => `${prefix}-${process.pid}-${++queues}`;

/** The search attribute types as `temporal server start-dev --search-attribute` spells them. */
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** A free TCP port on loopback (for a server started right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The SQLite pragmas `npm start` runs the dev server with (dev/start.ts, temporal-dev.sh), measured
 * with `npm run bench` (README, "Capacity and benchmarks"): a write-ahead log, synced at checkpoints
 * rather than on every commit. A power loss (not a crash of the server process) can lose the last
 * transactions before the checkpoint; the database stays consistent, never corrupt.
 */
export const DEV_SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'] as const;

/**
 * Dynamic configuration `npm start` runs the dev server with (`--dynamic-config-value KEY=JSON`):
 * none. `history.timerProcessorMaxTimeShift="10ms"` (the server may shift a timer by up to 1 s)
 * made no measurable difference to breach lateness with `npm run bench` on a loaded 2-core machine
 * (README, "Capacity and benchmarks"); try it with `--dynamic-config` on a quiet one.
 */
export const DEV_DYNAMIC_CONFIG: readonly string[] = [];

/** A `temporal server start-dev` process of our own, with its pid (benchmarks read its memory). */
export interface DevServerProcess {
  address: string;
  pid: number;
  client: Client;
  nativeConnection: NativeConnection;
  stop(): Promise<void>;
}

/**
 * Starts the dev server as `npm start` does (temporal-dev.sh): a SQLite file when `dbFile` is given
 * (in memory otherwise), `--sqlite-pragma` for each of `sqlitePragmas` ('journal_mode=WAL'),
 * `--dynamic-config-value` for each of `dynamicConfig` ('KEY=JSON'), the project's search
 * attributes, no UI.
 */
export async function startDevServerProcess(
  opts: { dbFile?: string; sqlitePragmas?: string[]; dynamicConfig?: string[] } = {},
): Promise<DevServerProcess> {
  quietRuntime();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--log-level',
    'error',
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const p of opts.sqlitePragmas ?? []) args.push('--sqlite-pragma', p);
  for (const d of opts.dynamicConfig ?? []) args.push('--dynamic-config-value', d);
  for (const k of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${k.name}=${CLI_TYPE[k.type]}`);
  const child = spawn(binary('TEMPORAL_CLI', 'temporal'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 60_000;
  let connection: Connection | undefined;
  while (!connection) {
    if (exited) throw new Error(`temporal server start-dev exited (${args.join(' ')})`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      connection = c;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    pid: child.pid!,
    client: new Client({ connection, namespace: 'default' }),
    nativeConnection,
    async stop() {
      await nativeConnection.close();
      await connection.close();
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}
