import assert from 'node:assert/strict';
import { buildActivityDeps } from '../../../src/activity-deps';
import { ConfigError, loadConfig } from '../../../src/config';
import { TEST_ENV } from '../../../dev/fixtures';

describe('ARCHIVE_DIR', () => {
  it('is <DATA_DIR>/archive in development mode and in tests unless set', () => {
    assert.equal(loadConfig({}, { devMode: true }).archiveDir, '.data/archive');
    assert.equal(loadConfig({ DATA_DIR: '/var/lib/cases/' }, { devMode: true }).archiveDir, '/var/lib/cases/archive');
    assert.equal(loadConfig({ ...TEST_ENV }).archiveDir, '.data/archive');
    assert.equal(loadConfig({ ...TEST_ENV, ARCHIVE_DIR: '/tmp/x' }).archiveDir, '/tmp/x');
  });

  it('has no default in production, where the worker refuses to start without it', () => {
    const production = { ...TEST_ENV, NODE_ENV: 'production' };
    assert.equal(loadConfig(production).archiveDir, undefined);
    assert.equal(loadConfig({ ...production, ARCHIVE_DIR: '/srv/archive' }).archiveDir, '/srv/archive');
    const config = loadConfig({
      ...production,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      STRIPE_SECRET_KEY: 'sk_test_x',
      SLACK_BOT_TOKEN: 'xoxb-x',
      PAGERDUTY_ROUTING_KEY: 'R0X',
    });
    assert.throws(
      () => buildActivityDeps(config),
      (err: Error) => err instanceof ConfigError && /^ARCHIVE_DIR: required/.test(err.message),
    );
  });
});
