// Small tools of the benchmark: percentiles, a bounded pool, process memory, worker processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The p-th percentile (nearest rank) of xs; NaN for none. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs fn(0..n-1) with at most `concurrency` at once; results in order. */
export async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Milliseconds fn took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resident memory of a process in MB (Linux /proc), or NaN when it cannot be read. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples the RSS of processes every `everyMs` and keeps each one's peak. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  readonly peaks = new Map<string, number>();
  private pids = new Map<string, number>();
  constructor(everyMs = 250) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  watch(name: string, pid: number): void {
    this.pids.set(name, pid);
  }
  unwatch(name: string): void {
    this.pids.delete(name);
  }
  reset(): void {
    this.peaks.clear();
  }
  sample(): void {
    for (const [name, pid] of this.pids) {
      const mb = rssMb(pid);
      if (Number.isFinite(mb) && mb > (this.peaks.get(name) ?? 0)) this.peaks.set(name, mb);
    }
  }
  peak(name: string): number {
    this.sample();
    return this.peaks.get(name) ?? NaN;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Pids of the processes this run started and has not stopped yet (stopped on Ctrl-C). */
export const children = new Set<number>();

/** A worker process as `npm run worker` runs it (dist/src/worker-main.js), with its metrics endpoint. */
export interface WorkerProcess {
  pid: number;
  metricsUrl: string;
  /** The SDK's Prometheus metrics, summed over labels: name -> value. */
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM, then the exit. */
  stop(): Promise<void>;
}

/** Starts `node dist/src/worker-main.js` with `env` and waits for its 'worker started' line. */
export async function startWorkerProcess(env: Record<string, string>, metricsAddress: string): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'worker-main.js')], {
    env: { ...env, WORKER_METRICS_ADDRESS: metricsAddress },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const started = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"msg":"worker started"')) resolve();
      // Warnings and errors of the worker stay visible; its info lines do not.
      else if (/"level":"(warn|error|fatal)"/.test(line))
        console.error(`  [worker ${child.pid}] ${line.slice(0, 300)}`);
    });
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [worker ${child.pid}] ${d.toString()}`));
    void exited.then((code) => reject(new Error(`the worker process exited with ${code} before it started`)));
  });
  await started;
  children.add(child.pid!);
  const metricsUrl = `http://${metricsAddress}/metrics`;
  return {
    pid: child.pid!,
    metricsUrl,
    async metrics() {
      const text = await (await fetch(metricsUrl)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[3]));
      }
      return out;
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
      children.delete(child.pid!);
    },
  };
}
