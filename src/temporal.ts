import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';

/** Where the dev server listens when TEMPORAL_ADDRESS is not set. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** The one Temporal client of a process. */
export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect({ address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: cfg.namespace });
}

/** The worker's connection. */
export function connectWorker(cfg: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect({ address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS });
}
