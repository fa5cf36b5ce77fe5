import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '@shop/platform';
import { notificationsConfigSchema, smtpRequiresTls } from './config.js';

const tls = (env: Record<string, string>): boolean =>
  smtpRequiresTls(parseConfig(notificationsConfigSchema, env));

describe('notifications config', () => {
  // Without requireTLS, nodemailer sends AUTH and every email in clear when the relay does not
  // offer STARTTLS, and anyone on the path can strip that offer. Unset NODE_ENV is production.
  it('requires TLS to a remote relay in production (NODE_ENV unset) unless told otherwise', () => {
    const relay = { SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587' };
    assert.equal(tls(relay), true);
    assert.equal(tls({ ...relay, NODE_ENV: 'production' }), true);
    assert.equal(tls({ ...relay, SMTP_REQUIRE_TLS: 'false' }), false);
    assert.equal(tls({ ...relay, NODE_ENV: 'development' }), false);
    assert.equal(tls({ ...relay, NODE_ENV: 'development', SMTP_REQUIRE_TLS: 'true' }), true);
  });

  it('a relay on loopback (a local MailDev, a sidecar) needs no TLS by default', () => {
    for (const url of ['smtp://127.0.0.1:1025', 'smtp://localhost:25', 'smtp://[::1]:25'])
      assert.equal(tls({ SMTP_URL: url }), false, url);
    assert.equal(tls({}), false);
  });

  it('the operations address: a default on the development domain, else a valid address', () => {
    assert.equal(
      parseConfig(notificationsConfigSchema, {}).NOTIFY_OPS_EMAIL,
      'operations@shop.localhost',
    );
    assert.equal(
      parseConfig(notificationsConfigSchema, { NOTIFY_OPS_EMAIL: 'oncall@example.com' })
        .NOTIFY_OPS_EMAIL,
      'oncall@example.com',
    );
    for (const bad of ['oncall', 'Ops <oncall@example.com>', 'oncall@example.com, x@example.com'])
      assert.throws(
        () => parseConfig(notificationsConfigSchema, { NOTIFY_OPS_EMAIL: bad }),
        /NOTIFY_OPS_EMAIL/,
        JSON.stringify(bad),
      );
  });

  it('reads the sagas events topic, sagas.events unless told otherwise', () => {
    assert.equal(parseConfig(notificationsConfigSchema, {}).NOTIFY_SAGAS_TOPIC, 'sagas.events');
  });
});
