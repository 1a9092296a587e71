import assert from 'node:assert/strict';
import {
  ConfigError,
  DEMO_TOKENS,
  DEVELOPMENT_SECRETS,
  loadConfig,
  REQUIRED_KEYS,
  type Config,
} from '../../../src/config';
import { lookupToken } from '../../../src/security/bearer-tokens';

const TOKEN = 'tok-4f9c2e71b8d04a6f9e3d';
const SECRET = 'csat-secret-0123456789abcdef0123456789';
const tokens = (value: unknown) => JSON.stringify(value);
const validTokens = tokens({ [TOKEN]: { name: 'Alex Agent', role: 'agent' } });

/** Every key loadConfig requires outside development mode. */
const REQUIRED = {
  API_TOKENS: validTokens,
  CSAT_SIGNING_SECRET: SECRET,
  STRIPE_WEBHOOK_SECRET: 'whsec_test_0123456789abcdef',
  SLACK_SIGNING_SECRET: 'slack-signing-secret-0123456789',
  APPROVAL_SIGNING_SECRET: 'approval-signing-secret-0123456789abcdef',
};
const DEV = { devMode: true };

/** Runs loadConfig expecting a ConfigError and returns its message. */
function configError(env: NodeJS.ProcessEnv, options?: { devMode?: boolean }): string {
  try {
    loadConfig(env, options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    return err.message;
  }
  assert.fail('expected loadConfig to throw');
}

/** Who a token is, as the API would find them. */
const holder = (config: Config, token: string) => lookupToken(config.tokens, token);

/** Every secret a config signs or verifies with. */
const secretsOf = (config: Config) => [
  config.csatSecret,
  config.approvalSigningSecret,
  config.compensation.stripeWebhookSecret,
  config.compensation.slackSigningSecret,
];

describe('config', () => {
  describe('required keys outside development mode', () => {
    for (const key of REQUIRED_KEYS) {
      it(`stops start-up without ${key}, naming it (and only it)`, () => {
        const env: NodeJS.ProcessEnv = { ...REQUIRED };
        delete env[key];
        const message = configError(env);
        assert.match(message, new RegExp(`^${key}: required`));
        for (const other of REQUIRED_KEYS) if (other !== key) assert.ok(!message.includes(other), message);
      });
    }

    it('names every missing key at once', () => {
      const message = configError({});
      assert.match(message, new RegExp(`^${REQUIRED_KEYS.join(', ')}: required`));
    });

    it('refuses whatever NODE_ENV says: development, test, production or unset', () => {
      for (const NODE_ENV of ['development', 'test', 'production', undefined])
        assert.match(configError({ NODE_ENV }), /^API_TOKENS, CSAT_SIGNING_SECRET/, String(NODE_ENV));
    });

    it('counts an empty value as missing', () => {
      assert.match(configError({ ...REQUIRED, STRIPE_WEBHOOK_SECRET: '' }), /^STRIPE_WEBHOOK_SECRET: required/);
      assert.match(configError({ ...REQUIRED, API_TOKENS: '' }), /^API_TOKENS: required/);
    });

    it('with API_TOKENS set, still requires the webhook, Slack, CSAT and approval secrets', () => {
      assert.match(
        configError({ API_TOKENS: validTokens }),
        /^CSAT_SIGNING_SECRET, STRIPE_WEBHOOK_SECRET, SLACK_SIGNING_SECRET, APPROVAL_SIGNING_SECRET: required/,
      );
    });

    it('loads a complete environment, and signs only with the secrets it was given', () => {
      for (const NODE_ENV of ['production', 'test', undefined]) {
        const config = loadConfig({ ...REQUIRED, NODE_ENV });
        assert.equal(config.devMode, false);
        assert.equal(config.demoTokens, false);
        assert.equal(config.csatSecret, REQUIRED.CSAT_SIGNING_SECRET);
        assert.equal(config.approvalSigningSecret, REQUIRED.APPROVAL_SIGNING_SECRET);
        assert.equal(config.compensation.stripeWebhookSecret, REQUIRED.STRIPE_WEBHOOK_SECRET);
        assert.equal(config.compensation.slackSigningSecret, REQUIRED.SLACK_SIGNING_SECRET);
        for (const s of secretsOf(config))
          assert.ok(!(Object.values(DEVELOPMENT_SECRETS) as string[]).includes(s), 'no public development secret');
      }
      assert.equal(loadConfig({ ...REQUIRED, NODE_ENV: 'production' }).production, true);
    });

    it('accepts no demo token, not even demo-admin', () => {
      const config = loadConfig(REQUIRED);
      for (const token of Object.keys(DEMO_TOKENS)) assert.equal(holder(config, token), undefined, token);
      assert.deepEqual(holder(config, TOKEN), { name: 'Alex Agent', role: 'agent' });
    });

    it('knows no development-mode Slack approvers', () => {
      assert.deepEqual(Object.keys(loadConfig(REQUIRED).compensation.slackApprovers), []);
    });
  });

  describe('development mode (npm start)', () => {
    it('has the demo tokens when API_TOKENS is unset', () => {
      const config = loadConfig({}, DEV);
      assert.equal(config.devMode, true);
      assert.equal(config.demoTokens, true);
      assert.deepEqual(holder(config, 'demo-agent'), { name: 'Alex Agent', role: 'agent' });
      assert.deepEqual(holder(config, 'demo-admin'), { name: 'Ada Admin', role: 'admin' });
      assert.deepEqual(config.compensation.slackApprovers.U0DEMOLEAD, { name: 'Lee Lead', role: 'support_lead' });
    });

    it('uses only the given tokens when API_TOKENS is set', () => {
      const config = loadConfig({ API_TOKENS: validTokens }, DEV);
      assert.equal(config.demoTokens, false);
      assert.equal(holder(config, 'demo-agent'), undefined);
      assert.deepEqual([...config.tokens.values()], [{ name: 'Alex Agent', role: 'agent' }]);
    });

    it('falls back to the development secrets for unset keys, and uses the ones that are set', () => {
      const config = loadConfig({ CSAT_SIGNING_SECRET: SECRET }, DEV);
      assert.equal(config.csatSecret, SECRET);
      assert.equal(config.approvalSigningSecret, DEVELOPMENT_SECRETS.APPROVAL_SIGNING_SECRET);
      assert.equal(config.compensation.stripeWebhookSecret, DEVELOPMENT_SECRETS.STRIPE_WEBHOOK_SECRET);
      assert.equal(config.compensation.slackSigningSecret, DEVELOPMENT_SECRETS.SLACK_SIGNING_SECRET);
      assert.ok(config.approvalSigningSecret.length >= 32);
    });

    it('runs on loopback only: 127.0.0.1, another 127/8 address, ::1 or localhost', () => {
      for (const HOST of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])
        assert.equal(loadConfig({ HOST }, DEV).host, HOST);
    });

    it('refuses a non-loopback HOST, naming HOST', () => {
      for (const HOST of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'support.example.com', '128.0.0.1']) {
        const message = configError({ HOST }, DEV);
        assert.match(message, /^HOST: development mode \(npm start\) listens on loopback only/, HOST);
      }
    });

    it('refuses worker metrics beyond loopback, and allows them off', () => {
      assert.match(configError({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }, DEV), /^WORKER_METRICS_ADDRESS/);
      assert.equal(loadConfig({ WORKER_METRICS_ADDRESS: '' }, DEV).workerMetricsAddress, undefined);
    });

    it('never runs with NODE_ENV=production', () => {
      assert.match(configError({ NODE_ENV: 'production' }, DEV), /^NODE_ENV/);
    });

    it('is never turned on by the environment', () => {
      for (const env of [{ SUPPORT_DEV_MODE: '1' }, { DEV_MODE: 'true' }, { NODE_ENV: 'development' }])
        assert.match(configError(env), /^API_TOKENS/);
    });
  });

  describe('tokens', () => {
    it('refuses API_TOKENS that is not JSON, naming API_TOKENS', () => {
      const message = configError({ ...REQUIRED, API_TOKENS: `{${TOKEN}: agent` });
      assert.match(message, /^API_TOKENS/);
      assert.ok(!message.includes(TOKEN));
    });

    it('refuses API_TOKENS that is JSON but not an object of identities', () => {
      assert.match(configError({ ...REQUIRED, API_TOKENS: '["a"]' }), /^API_TOKENS/);
      assert.match(configError({ ...REQUIRED, API_TOKENS: '"just-a-string-token"' }), /^API_TOKENS/);
    });

    it('refuses an unknown role, naming API_TOKENS', () => {
      assert.match(
        configError({ ...REQUIRED, API_TOKENS: tokens({ [TOKEN]: { name: 'X', role: 'superuser' } }) }),
        /^API_TOKENS/,
      );
    });

    it('refuses an empty name, naming API_TOKENS', () => {
      assert.match(
        configError({ ...REQUIRED, API_TOKENS: tokens({ [TOKEN]: { name: '', role: 'agent' } }) }),
        /^API_TOKENS/,
      );
    });

    it('refuses a token shorter than 16 characters, such as __proto__, naming API_TOKENS', () => {
      for (const short of ['short-tok', '__proto__', 'constructor'])
        assert.match(
          configError({ ...REQUIRED, API_TOKENS: `{${JSON.stringify(short)}: {"name": "X", "role": "agent"}}` }),
          /^API_TOKENS/,
          short,
        );
    });

    it('refuses API_TOKENS without any token', () => {
      assert.match(configError({ ...REQUIRED, API_TOKENS: '{}' }), /^API_TOKENS: no tokens/);
    });

    // The zod path starts with the token itself: the message must name its position instead.
    it('never puts a token value in the error message', () => {
      for (const value of [
        { [TOKEN]: { name: 'X', role: 'superuser' } },
        { [TOKEN]: { name: '', role: 'agent' } },
        { 'short-tok': { name: 'X', role: 'agent' } },
      ]) {
        const message = configError({ ...REQUIRED, API_TOKENS: tokens(value) });
        for (const token of Object.keys(value)) assert.ok(!message.includes(token), message);
      }
    });

    it('keeps the tokens as SHA-256 hashes, in the configured order', () => {
      const second = 'tok-second-0000000000000';
      const config = loadConfig({
        ...REQUIRED,
        API_TOKENS: tokens({
          [TOKEN]: { name: 'Alex Agent', role: 'agent' },
          [second]: { name: 'Lee', role: 'support_lead' },
        }),
      });
      assert.ok([...config.tokens.keys()].every((k) => /^[0-9a-f]{64}$/.test(k)));
      assert.ok(![...config.tokens.keys()].includes(TOKEN));
      assert.deepEqual(
        [...config.tokens.values()].map((t) => t.name),
        ['Alex Agent', 'Lee'],
      );
      assert.equal(holder(config, second)?.name, 'Lee');
    });
  });

  describe('secrets', () => {
    it('refuses a CSAT_SIGNING_SECRET shorter than 32 characters without echoing it', () => {
      const message = configError({ ...REQUIRED, CSAT_SIGNING_SECRET: 'too-short-secret' });
      assert.match(message, /^CSAT_SIGNING_SECRET/);
      assert.ok(!message.includes('too-short-secret'));
    });

    it('refuses an APPROVAL_SIGNING_SECRET shorter than 32 characters without echoing it, in any mode', () => {
      for (const options of [undefined, DEV]) {
        const message = configError({ ...REQUIRED, APPROVAL_SIGNING_SECRET: 'short-approval-secret' }, options);
        assert.match(message, /^APPROVAL_SIGNING_SECRET: APPROVAL_SIGNING_SECRET must be at least 32 characters/);
        assert.ok(!message.includes('short-approval-secret'));
      }
    });

    it('maps SLACK_APPROVERS to staff of API_TOKENS and names an unknown one', () => {
      const approvers = loadConfig({ ...REQUIRED, SLACK_APPROVERS: JSON.stringify({ U0TEST1: 'Alex Agent' }) })
        .compensation.slackApprovers;
      assert.equal(approvers.U0TEST1.name, 'Alex Agent');
      assert.equal(approvers.constructor, undefined, 'no prototype behind the Slack user ids');
      assert.match(
        configError({ ...REQUIRED, SLACK_APPROVERS: JSON.stringify({ U0TEST1: 'Nobody' }) }),
        /^SLACK_APPROVERS: U0TEST1: no staff member named 'Nobody'/,
      );
    });
  });

  describe('other keys', () => {
    it('names PORT when it is not a number', () => {
      assert.match(configError({ ...REQUIRED, PORT: 'abc' }), /^PORT/);
    });

    it('names PORT when it is out of range', () => {
      assert.match(configError({ ...REQUIRED, PORT: '70000' }), /^PORT/);
    });

    it('names ADMIN_BASE_URL when it is not a URL', () => {
      assert.match(configError({ ...REQUIRED, ADMIN_BASE_URL: 'not a url' }), /^ADMIN_BASE_URL/);
    });

    it('has working defaults', () => {
      const config = loadConfig(REQUIRED);
      assert.equal(config.port, 3000);
      assert.equal(config.host, '127.0.0.1');
      assert.equal(config.temporal.namespace, 'default');
      assert.equal(config.temporal.taskQueue, 'support-cases');
      assert.equal(config.adminBaseUrl, 'https://admin.edustream.com');
      assert.equal(config.publicBaseUrl, 'http://localhost:3000');
      assert.equal(config.codecAuthToken, undefined);
    });

    it('reads PORT and derives the public URL from it, dropping a trailing slash of PUBLIC_BASE_URL', () => {
      assert.equal(loadConfig({ ...REQUIRED, PORT: '8080' }).port, 8080);
      assert.equal(loadConfig({ ...REQUIRED, PORT: '8080' }).publicBaseUrl, 'http://localhost:8080');
      assert.equal(
        loadConfig({ ...REQUIRED, PUBLIC_BASE_URL: 'https://support.example.com/' }).publicBaseUrl,
        'https://support.example.com',
      );
    });

    it('serves any interface outside development mode when told to', () => {
      assert.equal(loadConfig({ ...REQUIRED, HOST: '0.0.0.0' }).host, '0.0.0.0');
    });

    it('names CODEC_AUTH_TOKEN when it is shorter than 32 characters', () => {
      assert.match(configError({ ...REQUIRED, CODEC_AUTH_TOKEN: 'short' }), /^CODEC_AUTH_TOKEN/);
    });
  });
});
