// `npm run worker`: a worker process on its own; run several to scale out.
import { buildActivityDeps } from './activity-deps';
import { loadConfig } from './config';
import { connectWorker } from './temporal';
import { createCaseWorker } from './worker';

async function main() {
  const config = loadConfig();
  const deps = buildActivityDeps(config);
  const connection = await connectWorker(config.temporal);
  const worker = await createCaseWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps });
  console.log(JSON.stringify({ level: 'info', msg: 'worker started', taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }));
  await worker.run(); // SIGINT/SIGTERM: the SDK finishes in-flight activities, then run() resolves
  deps.close();
  await connection.close();
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'fatal', msg: (err as Error).message, name: (err as Error).name }));
  process.exit(1);
});
