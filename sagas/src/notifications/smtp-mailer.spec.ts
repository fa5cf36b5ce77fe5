import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smtpEndpoint } from './smtp-mailer.js';

describe('smtpEndpoint', () => {
  it('reads host, port, TLS mode and credentials', () => {
    assert.deepEqual(smtpEndpoint('smtp://127.0.0.1:1025'), {
      host: '127.0.0.1',
      port: 1025,
      secure: false,
    });
    assert.deepEqual(smtpEndpoint('smtps://mailer%40shop:p%40ss@relay.example'), {
      host: 'relay.example',
      port: 465,
      secure: true,
      auth: { user: 'mailer@shop', pass: 'p@ss' },
    });
    assert.equal(smtpEndpoint('smtp://relay.example').port, 587);
  });

  it('refuses another scheme', () => {
    assert.throws(() => smtpEndpoint('http://relay.example'), /smtp:\/\//);
  });
});

describe('messageIdOf', () => {
  it('derives the Message-ID from the event id, escaping what a header cannot hold', async () => {
    const { messageIdOf } = await import('./email-delivery.js');
    assert.equal(
      messageIdOf('0b7c2f0e-1d2a-4f5e-9c1b-3a2b1c0d9e8f'),
      '<0b7c2f0e-1d2a-4f5e-9c1b-3a2b1c0d9e8f@shop.notifications>',
    );
    assert.equal(messageIdOf('a b>c'), '<a%20b%3ec@shop.notifications>');
  });
});
