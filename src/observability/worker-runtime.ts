// The worker process's Temporal runtime: the SDK's logs as JSON lines, and the SDK's own worker
// metrics, served by the Temporal runtime on their own port for Prometheus.
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { logJson } from './log';

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
