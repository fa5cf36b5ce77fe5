import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestStack } from '@shop/testing';
import { createSmtpMailer } from '../src/notifications/smtp-mailer.js';
import { messageIdOfMail, SmtpOutage } from './notifications-support.js';

describe('SMTP mailer settings reach nodemailer', () => {
  const stack = new TestStack('notifymailer');
  const relay = new SmtpOutage({
    host: '127.0.0.1',
    port: Number(new URL(stack.env.SMTP_URL).port),
  });

  after(async () => {
    await relay.close();
  });

  const email = (i: number) => ({
    messageId: `<${stack.ns.runId}-${i}@shop.notifications>`,
    to: { address: `${stack.ns.runId}-pool@example.com`, name: 'Pool' },
    subject: `pooled ${i}`,
    html: `<p>${i}</p>`,
    text: `${i}`,
    headers: {},
  });

  it('sends over a pool of kept-open connections', async () => {
    await relay.up();
    const mailer = createSmtpMailer({
      url: relay.url,
      from: 'Shop <shop@example.com>',
      poolSize: 2,
    });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => mailer.send(email(i))));
    } finally {
      mailer.close();
    }
    const caught = await stack.mailbox.waitFor(`${stack.ns.runId}-pool@example.com`, 10);
    assert.equal(new Set(caught.map(messageIdOfMail)).size, 10);
    assert.ok(relay.connections <= 2, `10 emails over ${relay.connections} connections`);
  });

  it("gives up on a relay that never greets with nodemailer's greeting timeout, not the send deadline", async () => {
    await relay.stall();
    const mailer = createSmtpMailer({
      url: relay.url,
      from: 'Shop <shop@example.com>',
      connectionTimeoutMs: 300,
      greetingTimeoutMs: 300,
      sendDeadlineMs: 20_000,
    });
    try {
      await assert.rejects(mailer.send(email(99)), (err: { code?: string }) => {
        assert.notEqual(err.code, 'EDEADLINE');
        assert.equal(err.code, 'ETIMEDOUT');
        return true;
      });
    } finally {
      mailer.close();
    }
  });
});
