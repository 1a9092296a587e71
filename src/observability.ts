// Logs and metrics for ops: one JSON object per log line (case id and action, never payloads,
// personal data or secrets), Prometheus metrics for the HTTP API (prom-client) and for the worker
// (the SDK's own metrics, served by the Temporal runtime on their own port).
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Writes one JSON log line. */
export function logJson(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...entry })}\n`);
}

/**
 * Installs the Temporal runtime of a worker process: SDK logs as JSON lines and, when an address
 * is given, the SDK's worker metrics for Prometheus at http://<address>/metrics. Call it before
 * the first connection of the process.
 */
export function installWorkerRuntime(opts: { metricsAddress?: string; level?: LogLevel }): void {
  Runtime.install({
    logger: new DefaultLogger(opts.level ?? 'INFO', ({ level, message, meta }) => {
      // meta carries workflow/activity ids and types from the SDK; payloads never reach the logger.
      logJson({ level: level.toLowerCase(), msg: message, ...(meta ?? {}) });
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(opts.metricsAddress ? { metrics: { prometheus: { bindAddress: opts.metricsAddress } } } : {}),
    },
  });
}

/** The API's Prometheus metrics. */
export interface ApiMetrics { registry: Registry; observe(method: string, route: string, status: number, seconds: number): void }

/** A registry with HTTP latency and error counts (per route pattern, never per URL) and process metrics. */
export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'support_api_request_duration_seconds', help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const errors = new Counter({
    name: 'support_api_errors_total', help: 'HTTP responses with status 4xx or 5xx, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  return {
    registry,
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      latency.observe(labels, seconds);
      if (status >= 400) errors.inc(labels);
    },
  };
}
