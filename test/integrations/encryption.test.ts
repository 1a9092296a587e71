import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { EncryptionCodec, parseEncryptionKeys } from '../../src/codec/encryption-codec';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import { dataConverterFor } from '../../src/temporal';
import { supportCaseWorkflow } from '../../workflows';
import { caseWorkflowId, completeStepUpdate, replyUpdate } from '../../workflows/contracts';
import { act, agent, bearer, caseInput, caseWorker, TEST_ENV, TEST_TOKENS } from '../helpers/cases';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';

const key = () => randomBytes(32).toString('base64');
/** The codec endpoint's own credential, for a Web UI that cannot send headers. */
const CODEC_TOKEN = randomBytes(32).toString('base64url');

describe('payload encryption (dev server)', function () {
  this.timeout(120_000);
  const keysJson = JSON.stringify({ '2026-10': key(), '2026-11': key() });
  const keys = parseEncryptionKeys(keysJson, '2026-11');
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async () => {
    [env, inbox, stripe] = await Promise.all([
      createDevServerEnv(),
      startSmtpInbox(),
      startStripeStandin({ seedDemoData: true }),
    ]);
    taskQueue = uniqueTaskQueue('enc');
    worker = await caseWorker(env, taskQueue, { inbox, stripe, dataConverter: dataConverterFor(keys) });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close()]);
  });

  it("keeps the customer's e-mail address out of raw history, and the Web UI's decode call returns it", async () => {
    const sealed = new Client({
      connection: env.client.connection,
      namespace: env.namespace,
      dataConverter: dataConverterFor(keys),
    });
    const input = caseInput({ customer: { name: 'Hedy Lamarr', email: 'hedy.lamarr@example.com' } });
    const handle = await sealed.workflow.start(supportCaseWorkflow, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
    });
    const view = await act(handle, replyUpdate, { actor: agent, message: 'Frequency hopping it is.' });
    assert.equal(view.customer.email, 'hedy.lamarr@example.com', 'a client with the codec reads the case as usual');
    await inbox.waitFor((m) => m.headers['x-case-id'] === input.caseId, 15_000);

    const raw = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const rawJson = JSON.stringify(raw, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
    );
    assert.ok(!rawJson.includes('hedy.lamarr@example.com'), 'the address is not in the stored history');
    assert.ok(!rawJson.includes('Frequency hopping'), "nor the agent's message");
    assert.ok(!rawJson.includes(input.description), "nor the customer's");

    const started = raw.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    assert.equal(started.length, 1);
    assert.equal(Buffer.from(started[0].metadata?.encoding ?? []).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(started[0].metadata?.['encryption-key-id'] ?? []).toString(), '2026-11');
    const wire = started.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    }));

    const config = loadConfig({
      ...TEST_ENV,
      ENCRYPTION_KEYS: keysJson,
      ENCRYPTION_KEY_ID: '2026-11',
      CODEC_AUTH_TOKEN: CODEC_TOKEN,
    });
    const app = createApp({
      client: sealed,
      config,
      policy: DEFAULT_POLICY,
      codec: new EncryptionCodec(config.encryption!),
      log: () => undefined,
    });
    await request(app).post('/codec/decode').send({ payloads: wire }).expect(401);
    await request(app).post('/codec/not-a-token/decode').send({ payloads: wire }).expect(401);
    // An API token never works in the URL, not even an engineer's, who may read cases.
    await request(app).post(`/codec/${TEST_TOKENS.engineer}/decode`).send({ payloads: wire }).expect(401);
    for (const t of ['__proto__', 'constructor', 'toString'])
      await request(app).post(`/codec/${t}/decode`).send({ payloads: wire }).expect(401);
    await request(app)
      .post(`/codec/${CODEC_TOKEN}/decode`)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ payloads: wire }))
      .expect(415);
    const decoded = await request(app)
      .post(`/codec/${CODEC_TOKEN}/decode`)
      .set('Origin', 'http://localhost:8233')
      .send({ payloads: wire })
      .expect(200);
    assert.equal(decoded.headers['access-control-allow-origin'], 'http://localhost:8233');
    const plain = Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8');
    assert.equal(JSON.parse(plain).customer.email, 'hedy.lamarr@example.com');
    const viaHeader = await request(app)
      .post('/codec/decode')
      .set(bearer('agent'))
      .send({ payloads: wire })
      .expect(200);
    assert.deepEqual(viaHeader.body, decoded.body);
    const viaCodecHeader = await request(app)
      .post('/codec/decode')
      .set('Authorization', `Bearer ${CODEC_TOKEN}`)
      .send({ payloads: wire })
      .expect(200);
    assert.deepEqual(viaCodecHeader.body, decoded.body);
  });

  it("encodes failure messages too: an activity's failure reaches history encrypted", async () => {
    const sealed = new Client({
      connection: env.client.connection,
      namespace: env.namespace,
      dataConverter: dataConverterFor(keys),
    });
    const input = caseInput();
    const handle = await sealed.workflow.start(supportCaseWorkflow, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
    });
    // Sealed evidence that is no digest: the verify activity fails for good, and the case says so.
    const view = await act(handle, completeStepUpdate, {
      actor: agent,
      stepId: 'verify-identity',
      evidence: { sealed: 'not-a-digest' },
    });
    assert.equal(view.timeline.at(-1)?.action, 'identity_check_failed');

    const raw = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const failed = raw.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes;
    assert.ok(failed?.failure, 'the activity failure is in history');
    assert.equal(failed.failure.message, 'Encoded failure', 'the message travels as an encoded payload');
    assert.equal(failed.failure.stackTrace, '');
    const attrs = failed.failure.encodedAttributes;
    assert.equal(Buffer.from(attrs?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    const rawJson = JSON.stringify(raw, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
    );
    assert.ok(!rawJson.includes('must be a hex digest'), 'the message is not in the stored history');
    const [clear] = await new EncryptionCodec(keys).decode([attrs!]);
    assert.match(JSON.parse(Buffer.from(clear.data!).toString()).message, /sealed evidence must be a hex digest/);
  });

  it('decodes payloads sealed with an older key after rotation, and refuses unknown keys', async () => {
    const older = new EncryptionCodec(parseEncryptionKeys(keysJson, '2026-10'));
    const [payload] = await older.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"secret"') },
    ]);
    const [back] = await new EncryptionCodec(keys).decode([payload]);
    assert.equal(Buffer.from(back.data!).toString(), '"secret"');
    const stranger = new EncryptionCodec(parseEncryptionKeys(JSON.stringify({ other: key() })));
    await assert.rejects(stranger.decode([payload]), /unknown key id '2026-10'/);
  });

  it('refuses bad key configuration with a message naming the variable and not the key', () => {
    const secret = key();
    assert.throws(
      () => loadConfig({ ...TEST_ENV, ENCRYPTION_KEYS: JSON.stringify({ k1: secret.slice(0, 20) }) }),
      /ENCRYPTION_KEYS: key 'k1' must be 32 bytes/,
    );
    assert.throws(
      () => loadConfig({ ...TEST_ENV, ENCRYPTION_KEYS: keysJson, ENCRYPTION_KEY_ID: 'nope' }),
      /ENCRYPTION_KEYS: the active key id 'nope'/,
    );
    assert.throws(() => loadConfig({ ...TEST_ENV, ENCRYPTION_KEY_ID: '2026-11' }), /ENCRYPTION_KEY_ID/);
    try {
      loadConfig({ ...TEST_ENV, ENCRYPTION_KEYS: JSON.stringify({ k1: secret.slice(0, 20) }) });
    } catch (err) {
      assert.ok(!(err as Error).message.includes(secret.slice(0, 20)));
    }
  });
});
