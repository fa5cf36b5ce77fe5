import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { TestStack } from '../src/index.js';

describe('SMTP through nodemailer, read back from the mail catcher API', () => {
  const stack = new TestStack('smoke-smtp');
  const transport = nodemailer.createTransport(stack.env.SMTP_URL);
  after(() => transport.close());

  it('sends a mail and reads it back over HTTP', async () => {
    const to = `${stack.ns.runId}@example.test`;
    await transport.sendMail({
      from: 'Shop <no-reply@shop.test>',
      to,
      subject: `Order confirmed ${stack.ns.runId}`,
      text: 'Thanks for your order.',
      html: '<p>Thanks for your order.</p>',
    });
    const [mail] = await stack.mailbox.waitFor(to, 1, { timeoutMs: 10_000 });
    assert.equal(mail?.subject, `Order confirmed ${stack.ns.runId}`);
    assert.match(mail?.text ?? '', /Thanks for your order/);
    assert.equal(mail?.from[0]?.address, 'no-reply@shop.test');
  });
});
