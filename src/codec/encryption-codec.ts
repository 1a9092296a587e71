// Optional payload encryption: AES-256-GCM over every workflow and activity payload, so customer
// names, e-mail addresses and messages are unreadable in Temporal's stored history. Each payload
// names the key it was sealed with, so keys rotate without re-encrypting history: new payloads use
// the active key, old ones decrypt with whichever key they name.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID_HEADER = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Keys by id (32 bytes each) and the id new payloads are sealed with. */
export interface EncryptionKeys {
  activeKeyId: string;
  keys: Record<string, Buffer>;
}

/** Parses ENCRYPTION_KEYS (JSON: id -> base64 of 32 bytes); throws naming the bad id, never the key. */
export function parseEncryptionKeys(json: string, activeKeyId?: string): EncryptionKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('not valid JSON (expected {"<key id>": "<base64 of 32 bytes>"})');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('expected an object of key id to base64 key');
  const keys: Record<string, Buffer> = {};
  for (const [id, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
      throw new Error(`key id '${id}' may use letters, digits, '.', '_' and '-' only`);
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new Error(`key '${id}' must be 32 bytes, base64-encoded`);
    keys[id] = key;
  }
  const ids = Object.keys(keys);
  if (ids.length === 0) throw new Error('no keys given');
  const active = activeKeyId ?? ids[ids.length - 1];
  if (!keys[active]) throw new Error(`the active key id '${active}' is not among the keys`);
  return { activeKeyId: active, keys };
}

/** AES-256-GCM payload codec with key ids for rotation. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly k: EncryptionKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.k.keys[this.k.activeKeyId];
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), [KEY_ID_HEADER]: Buffer.from(this.k.activeKeyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCODING) return p;
      const keyId = Buffer.from(p.metadata?.[KEY_ID_HEADER] ?? []).toString();
      const key = this.k.keys[keyId];
      if (!key) throw new Error(`payload sealed with unknown key id '${keyId}'`);
      const data = Buffer.from(p.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
