import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { EncryptionCodec, type EncryptionKeys } from './codec/encryption-codec';
import { ConfigError, type Config } from './config';

/** The module whose `failureConverter` encodes failure messages and stack traces as a payload. */
export const FAILURE_CONVERTER_PATH = require.resolve('./codec/failure-converter');

/**
 * The data converter every client and worker of the deployment must share: failure messages
 * encoded as payloads always, and every payload encrypted when keys are configured.
 */
export function dataConverterFor(keys: EncryptionKeys | undefined): DataConverter {
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : {}),
  };
}

/** Where the dev server listens when TEMPORAL_ADDRESS is not set. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * Connection settings from the SDK's environment configuration: TEMPORAL_ADDRESS, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_GRPC_META_*,
 * or a profile (TEMPORAL_PROFILE) of the TOML file TEMPORAL_CONFIG_FILE. Nothing set: the local dev server.
 */
export function connectionOptions(cfg: Config['temporal']): NativeConnectionOptions {
  let loaded: NativeConnectionOptions;
  try {
    loaded = loadClientConnectConfig().connectionOptions;
  } catch (err) {
    throw new ConfigError(
      `Temporal connection configuration (TEMPORAL_* or TEMPORAL_CONFIG_FILE): ${(err as Error).message}`,
    );
  }
  return { ...loaded, address: cfg.address ?? loaded.address ?? DEFAULT_TEMPORAL_ADDRESS };
}

/** The one Temporal client of a process. */
export async function connectClient(cfg: Config['temporal'], encryption?: EncryptionKeys): Promise<Client> {
  const { address, tls, apiKey, metadata } = connectionOptions(cfg);
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return new Client({ connection, namespace: cfg.namespace, dataConverter: dataConverterFor(encryption) });
}

/** The worker's connection. */
export function connectWorker(cfg: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg));
}
