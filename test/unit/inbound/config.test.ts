import assert from 'node:assert/strict';
import { ConfigError, DEVELOPMENT_BREVO_INBOUND, loadConfig } from '../../../src/config';
import { TEST_ENV } from '../../../dev/fixtures';

describe('inbound e-mail configuration', () => {
  it('defaults: support@edustream.com, SMTP on 127.0.0.1:2526, 10 MB attachments, stores under DATA_DIR, Brevo off', () => {
    const c = loadConfig({ ...TEST_ENV });
    assert.deepEqual(c.inbound, {
      supportAddress: 'support@edustream.com',
      smtp: { host: '127.0.0.1', port: 2526 },
      maxAttachmentBytes: 10 * 1024 * 1024,
      attachmentsDir: '.data/attachments',
      rejectedDir: '.data/inbound-rejected',
    });
  });
  it('development mode has the public development credentials of the Brevo webhook; elsewhere they must be set', () => {
    assert.deepEqual(loadConfig({}, { devMode: true }).inbound.brevo, DEVELOPMENT_BREVO_INBOUND);
    assert.equal(loadConfig({ ...TEST_ENV }).inbound.brevo, undefined);
    const set = loadConfig({ ...TEST_ENV, BREVO_INBOUND_USER: 'brevo', BREVO_INBOUND_PASSWORD: 'p'.repeat(16) });
    assert.deepEqual(set.inbound.brevo, { user: 'brevo', password: 'p'.repeat(16) });
  });
  it('refuses half a credential, a short password, and a non-loopback SMTP server in development mode', () => {
    assert.throws(() => loadConfig({ ...TEST_ENV, BREVO_INBOUND_USER: 'brevo' }), /BREVO_INBOUND_PASSWORD: required/);
    assert.throws(() => loadConfig({ ...TEST_ENV, BREVO_INBOUND_PASSWORD: 'p'.repeat(16) }), /BREVO_INBOUND_USER/);
    assert.throws(
      () => loadConfig({ ...TEST_ENV, BREVO_INBOUND_USER: 'brevo', BREVO_INBOUND_PASSWORD: 'short' }),
      /at least 16/,
    );
    assert.throws(() => loadConfig({ INBOUND_SMTP_HOST: '0.0.0.0' }, { devMode: true }), ConfigError);
    assert.equal(
      loadConfig({ INBOUND_SMTP: 'off', INBOUND_SMTP_HOST: '0.0.0.0' }, { devMode: true }).inbound.smtp,
      undefined,
    );
    assert.throws(() => loadConfig({ ...TEST_ENV, SUPPORT_ADDRESS: 'not-an-address' }), /SUPPORT_ADDRESS/);
  });
});
