import assert from 'node:assert/strict';
import { ConfigError, DEMO_TOKENS, loadConfig } from '../../../src/config';

const TOKEN = 'tok-4f9c2e71b8d04a6f9e3d';
const SECRET = 'csat-secret-0123456789abcdef0123456789';
const tokens = (value: unknown) => JSON.stringify(value);
const validTokens = tokens({ [TOKEN]: { name: 'Alex Agent', role: 'agent' } });

/** Runs loadConfig expecting a ConfigError and returns its message. */
function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    return err.message;
  }
  assert.fail('expected loadConfig to throw');
}

describe('config', () => {
  describe('tokens', () => {
    it('uses the demo tokens outside production when API_TOKENS is unset', () => {
      const config = loadConfig({});
      assert.equal(config.production, false);
      assert.equal(config.demoTokens, true);
      assert.deepEqual(config.tokens, DEMO_TOKENS);
      assert.deepEqual(config.tokens['demo-agent'], { name: 'Alex Agent', role: 'agent' });
    });

    it('uses the demo tokens in a test environment too', () => {
      assert.equal(loadConfig({ NODE_ENV: 'test' }).demoTokens, true);
    });

    it('uses only the given tokens when API_TOKENS is set', () => {
      const config = loadConfig({ API_TOKENS: validTokens });
      assert.equal(config.demoTokens, false);
      assert.deepEqual(config.tokens, { [TOKEN]: { name: 'Alex Agent', role: 'agent' } });
      assert.equal(config.tokens['demo-agent'], undefined);
    });

    it('refuses production without API_TOKENS, naming API_TOKENS', () => {
      assert.match(configError({ NODE_ENV: 'production', CSAT_SIGNING_SECRET: SECRET }), /API_TOKENS/);
    });

    it('refuses API_TOKENS that is not JSON, naming API_TOKENS', () => {
      const message = configError({ API_TOKENS: `{${TOKEN}: agent` });
      assert.match(message, /^API_TOKENS/);
      assert.ok(!message.includes(TOKEN));
    });

    it('refuses API_TOKENS that is JSON but not an object of identities', () => {
      assert.match(configError({ API_TOKENS: '["a"]' }), /^API_TOKENS/);
      assert.match(configError({ API_TOKENS: '"just-a-string-token"' }), /^API_TOKENS/);
    });

    it('refuses an unknown role, naming API_TOKENS', () => {
      assert.match(configError({ API_TOKENS: tokens({ [TOKEN]: { name: 'X', role: 'superuser' } }) }), /^API_TOKENS/);
    });

    it('refuses an empty name, naming API_TOKENS', () => {
      assert.match(configError({ API_TOKENS: tokens({ [TOKEN]: { name: '', role: 'agent' } }) }), /^API_TOKENS/);
    });

    it('refuses a token shorter than 16 characters, naming API_TOKENS', () => {
      assert.match(configError({ API_TOKENS: tokens({ 'short-tok': { name: 'X', role: 'agent' } }) }), /^API_TOKENS/);
    });

    // The zod path starts with the token itself; the message must name its position instead.
    it('never puts a token value in the error message', () => {
      for (const value of [
        { [TOKEN]: { name: 'X', role: 'superuser' } },
        { [TOKEN]: { name: '', role: 'agent' } },
        { 'short-tok': { name: 'X', role: 'agent' } },
      ]) {
        const message = configError({ API_TOKENS: tokens(value) });
        for (const token of Object.keys(value)) assert.ok(!message.includes(token), message);
      }
    });
  });

  describe('production', () => {
    it('requires CSAT_SIGNING_SECRET in production', () => {
      assert.match(configError({ NODE_ENV: 'production', API_TOKENS: validTokens }), /^CSAT_SIGNING_SECRET/);
    });

    it('refuses a CSAT_SIGNING_SECRET shorter than 32 characters without echoing it', () => {
      const message = configError({
        NODE_ENV: 'production',
        API_TOKENS: validTokens,
        CSAT_SIGNING_SECRET: 'too-short-secret',
      });
      assert.match(message, /^CSAT_SIGNING_SECRET/);
      assert.ok(!message.includes('too-short-secret'));
    });

    it('requires APPROVAL_SIGNING_SECRET in production, and 32 characters of it, without echoing it', () => {
      const base = { NODE_ENV: 'production', API_TOKENS: validTokens, CSAT_SIGNING_SECRET: SECRET };
      assert.match(configError(base), /^APPROVAL_SIGNING_SECRET: required in production/);
      const message = configError({ ...base, APPROVAL_SIGNING_SECRET: 'too-short-secret' });
      assert.match(message, /^APPROVAL_SIGNING_SECRET/);
      assert.ok(!message.includes('too-short-secret'));
    });

    it('loads a complete production environment', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        API_TOKENS: validTokens,
        CSAT_SIGNING_SECRET: SECRET,
        APPROVAL_SIGNING_SECRET: APPROVAL_SECRET,
        ...COMPENSATION_SECRETS,
      });
      assert.equal(config.production, true);
      assert.equal(config.demoTokens, false);
      assert.equal(config.csatSecret, SECRET);
      assert.equal(config.approvalSigningSecret, APPROVAL_SECRET);
      assert.deepEqual(Object.keys(config.tokens), [TOKEN]);
    });

    it('requires STRIPE_WEBHOOK_SECRET and SLACK_SIGNING_SECRET in production, naming each', () => {
      const base = {
        NODE_ENV: 'production',
        API_TOKENS: validTokens,
        CSAT_SIGNING_SECRET: SECRET,
        APPROVAL_SIGNING_SECRET: APPROVAL_SECRET,
      };
      assert.match(
        configError({ ...base, SLACK_SIGNING_SECRET: COMPENSATION_SECRETS.SLACK_SIGNING_SECRET }),
        /^STRIPE_WEBHOOK_SECRET: required in production/,
      );
      assert.match(
        configError({ ...base, STRIPE_WEBHOOK_SECRET: COMPENSATION_SECRETS.STRIPE_WEBHOOK_SECRET }),
        /^SLACK_SIGNING_SECRET: required in production/,
      );
    });

    it('maps SLACK_APPROVERS to staff of API_TOKENS and names an unknown one', () => {
      const base = { API_TOKENS: validTokens };
      const name = Object.values(JSON.parse(validTokens) as Record<string, { name: string }>)[0].name;
      assert.equal(
        loadConfig({ ...base, SLACK_APPROVERS: JSON.stringify({ U0TEST1: name }) }).compensation.slackApprovers.U0TEST1
          .name,
        name,
      );
      assert.match(
        configError({ ...base, SLACK_APPROVERS: JSON.stringify({ U0TEST1: 'Nobody' }) }),
        /^SLACK_APPROVERS: U0TEST1: no staff member named 'Nobody'/,
      );
    });

    it('uses a development CSAT secret outside production', () => {
      assert.ok(loadConfig({}).csatSecret.length >= 32);
    });

    it('uses a development approval signing secret outside production, distinct from the CSAT one', () => {
      const config = loadConfig({});
      assert.ok(config.approvalSigningSecret.length >= 32);
      assert.notEqual(config.approvalSigningSecret, config.csatSecret);
    });
  });

  describe('other keys', () => {
    it('names PORT when it is not a number', () => {
      assert.match(configError({ PORT: 'abc' }), /^PORT/);
    });

    it('names PORT when it is out of range', () => {
      assert.match(configError({ PORT: '70000' }), /^PORT/);
    });

    it('names ADMIN_BASE_URL when it is not a URL', () => {
      assert.match(configError({ ADMIN_BASE_URL: 'not a url' }), /^ADMIN_BASE_URL/);
    });

    it('has working defaults', () => {
      const config = loadConfig({});
      assert.equal(config.port, 3000);
      assert.equal(config.host, '127.0.0.1');
      assert.equal(config.temporal.namespace, 'default');
      assert.equal(config.temporal.taskQueue, 'support-cases');
      assert.equal(config.adminBaseUrl, 'https://admin.edustream.com');
      assert.equal(config.publicBaseUrl, 'http://localhost:3000');
    });

    it('reads PORT and derives the public URL from it, dropping a trailing slash of PUBLIC_BASE_URL', () => {
      assert.equal(loadConfig({ PORT: '8080' }).port, 8080);
      assert.equal(loadConfig({ PORT: '8080' }).publicBaseUrl, 'http://localhost:8080');
      assert.equal(
        loadConfig({ PUBLIC_BASE_URL: 'https://support.example.com/' }).publicBaseUrl,
        'https://support.example.com',
      );
    });
  });
});

/** An approval signing secret of the required length. */
const APPROVAL_SECRET = 'test-approval-signing-secret-0123456789abcdef';

/** The webhook and Slack secrets production needs. */
const COMPENSATION_SECRETS = {
  STRIPE_WEBHOOK_SECRET: 'whsec_test_0123456789abcdef',
  SLACK_SIGNING_SECRET: 'slack-signing-secret-0123456789',
};
