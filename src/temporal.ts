import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { EncryptionCodec, type EncryptionKeys } from './codec/encryption-codec';
import type { Config } from './config';

/** The data converter every client and worker of the deployment must share: encrypting when keys are configured. */
export function dataConverterFor(keys: EncryptionKeys | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}

/** Where the dev server listens when TEMPORAL_ADDRESS is not set. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** The one Temporal client of a process. */
export async function connectClient(cfg: Config['temporal'], encryption?: EncryptionKeys): Promise<Client> {
  const connection = await Connection.connect({ address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: cfg.namespace, dataConverter: dataConverterFor(encryption) });
}

/** The worker's connection. */
export function connectWorker(cfg: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect({ address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS });
}
