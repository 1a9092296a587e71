// `npm run worker`: a worker process on its own; run several to scale out.
import { buildActivityDeps } from './activity-deps';
import { logJson } from './observability/log';
import { installWorkerRuntime } from './observability/worker-runtime';
import { loadConfig } from './config';
import { connectClient, connectWorker, dataConverterFor } from './temporal';
import { createCaseWorker } from './worker';

async function main() {
  const config = loadConfig();
  installWorkerRuntime({ metricsAddress: config.workerMetricsAddress });
  const deps = buildActivityDeps(config);
  const client = await connectClient(config.temporal, config.encryption);
  deps.temporal = client; // reports read visibility
  const connection = await connectWorker(config.temporal);
  const worker = await createCaseWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps,
    dataConverter: dataConverterFor(config.encryption),
    tuning: config.worker,
  });
  logJson({
    level: 'info',
    msg: 'worker started',
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    metrics: config.workerMetricsAddress ?? 'off',
    tuning: config.worker,
  });
  await worker.run(); // SIGINT/SIGTERM: the SDK finishes in-flight activities, then run() resolves
  deps.close();
  await connection.close();
  await client.connection.close();
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'fatal', msg: (err as Error).message, name: (err as Error).name }));
  process.exit(1);
});
