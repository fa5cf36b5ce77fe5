import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { killAll, TestStack, waitUntil, type CaughtMail } from '@shop/testing';
import { messageIdOf } from '../src/notifications/email-delivery.js';
import { SAMPLE_EVENTS, type SampleEvent } from '../src/notifications/sample-events.js';
import {
  assertInBothParts,
  messageIdOfMail,
  openNotifyWorld,
  type NotifyWorld,
} from './notifications-support.js';

/** Mails carrying the Message-ID of `event`. */
const mailsOf = (mails: readonly CaughtMail[], event: SampleEvent): CaughtMail[] =>
  mails.filter((m) => messageIdOfMail(m) === messageIdOf(event.envelope.id));

describe('operations email for a parked saga, worker against Kafka, MariaDB and MailDev', () => {
  const stack = new TestStack('notifyops');
  let world: NotifyWorld;
  // This run's own operations address: MailDev is shared with every other test file.
  const ops = `${stack.ns.runId}-ops@example.com`;

  /** Messages on this run's sagas topic so far, over every partition. */
  const sagasTopicMessages = async (): Promise<number> =>
    (await world.bus.topicOffsets(world.topics.sagas)).reduce((n, p) => n + p.high - p.low, 0);

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-ops-test');
    await world.startWorker({ NOTIFY_OPS_EMAIL: ops });
  });

  after(async () => {
    await killAll();
    await world?.close();
    await stack.cleanup();
  });

  it('a published sagas.saga-parked → exactly one email to the operations address, with the reason', async () => {
    const replenishmentId = randomUUID();
    const sagaId = `replenish-${replenishmentId}`;
    // Free text from a supplier: markup in it must reach the operator as text.
    const reason = `supplier ACME refused PO for <b>SKU-${stack.ns.runId}</b> & said "discontinued"`;
    const event = SAMPLE_EVENTS['saga-parked']({ sagaId, subject: replenishmentId, reason });
    await world.publish(event);
    await stack.mailbox.waitFor(ops, 1);
    await waitUntil(async () => ((await world.ledger()).SENT === 1 ? true : undefined));

    const mails = await stack.mailbox.to(ops);
    assert.equal(mails.length, 1, 'one email to the operations address');
    const mail = mails[0]!;
    assert.equal(messageIdOfMail(mail), messageIdOf(event.envelope.id));
    assert.equal(
      mail.subject,
      `Needs attention: replenish-stock ${sagaId} (step place-purchase-order)`,
    );
    assertInBothParts(
      mail,
      [
        reason,
        'replenish-stock',
        sagaId,
        replenishmentId,
        'place-purchase-order',
        'replenishments(filter: NEEDS_ATTENTION)',
        `retryReplenishment(id: "${replenishmentId}")`,
        `npm run sagas -w sagas -- show ${sagaId}`,
      ],
      'saga-parked',
    );
    assert.ok(!(mail.html ?? '').includes('<b>SKU-'), 'the reason is escaped in the HTML part');
  });

  it('the same saga-parked event delivered twice → still one email', async () => {
    const orderId = `${stack.ns.runId}-o1`;
    const parked = { sagaId: `co:${orderId}`, sagaType: 'cancel-order', subject: orderId };
    const event = SAMPLE_EVENTS['saga-parked']({ ...parked, stepName: 'refund-payment' });
    // A later event of the same saga (same key, so handled after both copies) as a marker.
    const marker = SAMPLE_EVENTS['saga-parked']({ ...parked, stepName: 'restock-order' });
    const mailsBefore = (await stack.mailbox.to(ops)).length;
    const before = await sagasTopicMessages();
    await world.publish(event, event);
    await world.publish(marker);
    // Both copies really are on the topic: the worker is handed two raw deliveries.
    assert.equal((await sagasTopicMessages()) - before, 3);
    await waitUntil(async () =>
      mailsOf(await stack.mailbox.to(ops), marker).length === 1 ? true : undefined,
    );
    const mails = await stack.mailbox.to(ops);
    const own = mailsOf(mails, event);
    assert.equal(own.length, 1, 'one email for the event sent twice');
    const mail = own[0]!;
    assert.equal(mail.subject, `Needs attention: cancel-order co:${orderId} (step refund-payment)`);
    assertInBothParts(mail, [`npm run sagas -w sagas -- show co:${orderId}`], 'cancel-order');
    assert.ok(!(mail.text ?? '').includes('retryReplenishment'), 'no replenishment hint');
    assert.equal(mails.length, mailsBefore + 2, "this event's email and the marker's, no other");
    const [row] = await sqlRows<{ attempts: number; recipient: string }>(
      world.orm.em.fork(),
      'SELECT attempts, recipient FROM notification_email WHERE event_id = ?',
      [event.envelope.id],
    );
    assert.equal(row?.attempts, 1, 'the second copy never reached the SMTP step');
    assert.equal(row?.recipient, ops);
  });
});
