import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { createMetricsRegistry } from '@shop/platform';
import { TestStack } from '@shop/testing';
import {
  EmailDelivery,
  messageIdOf,
  type EmailToDeliver,
} from '../src/notifications/email-delivery.js';
import { EmailLedger } from '../src/notifications/email-ledger.js';
import { NotificationMetrics } from '../src/notifications/notification-metrics.js';
import { createSmtpMailer, type Mailer } from '../src/notifications/smtp-mailer.js';
import { messageIdOfMail, openNotifyWorld, type NotifyWorld } from './notifications-support.js';
import { testLogger } from './support.js';

/**
 * The crash window of "send then record": a worker that dies after the relay's 250 but before the
 * consumer's transaction (inbox row) commits. SENT must already be durable then, so that Kafka's
 * redelivery of the event sends nothing. Real MariaDB and MailDev; the crash is the consumer's
 * transaction rolling back after the send, which is what the server sees when the process dies.
 */
describe('notification email sent, then the consumer transaction lost', () => {
  const stack = new TestStack('notifywin');
  let world: NotifyWorld;
  let mailer: Mailer;
  let delivery: EmailDelivery;

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-window-test');
    mailer = createSmtpMailer({ url: stack.env.SMTP_URL, from: 'Shop <no-reply@shop.example>' });
    delivery = new EmailDelivery(
      mailer,
      new EmailLedger(() => world.orm.em.fork()),
      new NotificationMetrics(createMetricsRegistry('notifywin')),
      testLogger('notify-window-test'),
    );
  });

  after(async () => {
    mailer?.close();
    await world?.close();
    await stack.cleanup();
  });

  it('commits SENT at the 250, so the redelivered event sends no second email (raw count 1)', async () => {
    const address = `${stack.ns.runId}-window@example.com`;
    const email: EmailToDeliver = {
      eventId: crypto.randomUUID(),
      template: 'delivered',
      to: { email: address, name: 'Ada Lovelace' },
      content: { subject: 'Your order was delivered', html: '<p>Delivered</p>', text: 'Delivered' },
    };
    const crash = new Error('the process died before the inbox commit');
    await assert.rejects(
      world.orm.em.fork().transactional(async (em) => {
        assert.equal(await delivery.deliver(email, { em, attempt: 1, maxAttempts: 5 }), 'sent');
        throw crash;
      }),
      crash,
    );
    const [row] = await sqlRows<{ status: string }>(
      world.orm.em.fork(),
      'SELECT status FROM notification_email WHERE event_id = ?',
      [email.eventId],
    );
    assert.equal(row?.status, 'SENT', 'SENT outlives the rolled-back consumer transaction');

    // Kafka redelivers the event: the next attempt finds SENT and sends nothing.
    const again = await world.orm.em
      .fork()
      .transactional((em) => delivery.deliver(email, { em, attempt: 1, maxAttempts: 5 }));
    assert.equal(again, 'already-final');
    const mails = await stack.mailbox.waitFor(address, 1);
    // Read again after the redelivery had every chance to land: raw emails with this Message-ID.
    const raw = (await stack.mailbox.to(address)).filter(
      (m) => messageIdOfMail(m) === messageIdOf(email.eventId),
    );
    assert.equal(mails.length, 1);
    assert.equal(raw.length, 1, 'one email for the event');
  });
});
