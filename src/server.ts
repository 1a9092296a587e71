// `npm run api`: the HTTP API on its own; stateless, run several behind a load balancer.
import type { Server } from 'node:http';
import { createApp } from './api/app';
import { logJson } from './observability/log';
import { EncryptionCodec } from './codec/encryption-codec';
import { loadConfig } from './config';
import { deploymentPolicy } from './config/policy-file';
import { connectClient } from './temporal';

/** Starts the API and returns its server; resolves once it listens. */
export async function startApi(config = loadConfig()): Promise<{ server: Server; close(): Promise<void> }> {
  const client = await connectClient(config.temporal, config.encryption);
  const app = createApp({
    client,
    config,
    policy: deploymentPolicy(config),
    codec: config.encryption ? new EncryptionCodec(config.encryption) : undefined,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s)).on('error', reject);
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.connection.close();
    },
  };
}

if (require.main === module) {
  startApi()
    .then(({ close }) => {
      logJson({ level: 'info', msg: 'api listening' });
      const stop = () => {
        void close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err) => {
      console.error(JSON.stringify({ level: 'fatal', msg: (err as Error).message, name: (err as Error).name }));
      process.exit(1);
    });
}
