import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deliveryConfigSchema,
  openDeliveryModule,
  seedDelivery,
  type DeliveryModule,
} from '@shop/delivery';
import { createLogger, parseConfig } from '@shop/platform';
import { killAll, TestStack } from '@shop/testing';
import { SAMPLE_EVENTS } from '../src/notifications/sample-events.js';
import {
  assertInBothParts,
  messageIdOfMail,
  openNotifyWorld,
  type NotifyWorld,
} from './notifications-support.js';

/**
 * The real path of the shipment emails: the delivery subgraph's own services assign and move a
 * shipment, its outbox relay publishes `delivery.shipment-changed@1` to Kafka, and the notification
 * worker (a real process) turns them into emails, read back from MailDev over its HTTP API.
 */
describe('shipment emails from what the delivery subgraph publishes', () => {
  const stack = new TestStack('notifydlv');
  let world: NotifyWorld;
  let delivery: DeliveryModule;
  const customer = `${stack.ns.runId}-customer`;
  const address = `${stack.ns.runId}-linus@example.com`;
  const partnerUser = crypto.randomUUID();

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-delivery-test');
    await world.startWorker();
    const db = await stack.createDatabase('delivery');
    const config = parseConfig(deliveryConfigSchema, {
      ...db.mysqlEnv,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      // The topic the worker reads: delivery publishes where production's worker listens.
      DELIVERY_EVENTS_TOPIC: world.topics.delivery,
      DELIVERY_COMMAND_TOPIC: stack.ns.topic('sagas.commands.delivery'),
      DELIVERY_COMMAND_GROUP: stack.ns.group('delivery.saga-commands'),
      NODE_ENV: 'test',
      PORT: '0',
    });
    delivery = await openDeliveryModule(
      config,
      createLogger('delivery', process.env.TEST_LOG_LEVEL ?? 'silent'),
    );
    await seedDelivery(db.url, {
      partners: [
        { userId: partnerUser, name: 'Speedy Couriers', homePostalCode: '10001', capacity: 5 },
      ],
    });
  });

  after(async () => {
    await killAll();
    await delivery?.close();
    await world?.close();
    await stack.cleanup();
  });

  it('assign, accept, pick up, two in-transit reports, deliver → exactly one email per customer step', async () => {
    // The worker finds the customer's address in its own projection of users.events.
    await world.publish(
      SAMPLE_EVENTS.welcome({ userId: customer, email: address, name: 'Linus Pauling' }),
    );
    await stack.mailbox.waitFor(address, 1);

    const orderId = crypto.randomUUID();
    const assigned = await delivery.assignments.assign({
      orderId,
      customerId: customer,
      postalCode: '10001',
      units: 2,
    });
    assert.equal(assigned.outcome, 'assigned');
    assert.ok('shipmentId' in assigned);
    const { shipmentId, trackingCode } = assigned;
    const partner = { userId: partnerUser, roles: ['partner' as const] };
    await delivery.lifecycle.move(partner, shipmentId, 'accept');
    await delivery.lifecycle.move(partner, shipmentId, 'pick-up');
    await delivery.lifecycle.move(partner, shipmentId, 'in-transit', {
      position: { latitude: 40.75, longitude: -73.99 },
    });
    // A position report: IN_TRANSIT → IN_TRANSIT, no second "out for delivery".
    await delivery.lifecycle.move(partner, shipmentId, 'in-transit', {
      position: { latitude: 40.76, longitude: -73.98 },
    });
    await delivery.lifecycle.move(partner, shipmentId, 'deliver');

    // One key (the order id), one partition: once the delivered email is there, every earlier
    // change (accepted and the position report included) was handled, so the count is final.
    const mails = await stack.mailbox.waitFor(address, 5);
    const shipmentMails = mails.filter((m) => !m.subject.startsWith('Welcome'));
    assert.deepEqual(
      shipmentMails.map((m) => m.subject).sort(),
      [
        `Speedy Couriers will deliver your order (${trackingCode})`,
        `Your order is out for delivery (${trackingCode})`,
        `Your order was delivered (${trackingCode})`,
        `Your order was picked up (${trackingCode})`,
      ].sort(),
    );
    for (const mail of shipmentMails) {
      assert.deepEqual(
        mail.to.map((t) => t.address),
        [address],
      );
      assertInBothParts(
        mail,
        ['Hello Linus Pauling', orderId, trackingCode, 'Speedy Couriers'],
        mail.subject,
      );
    }
    assert.equal(new Set(shipmentMails.map(messageIdOfMail)).size, 4, 'one event id per email');
    assert.equal((await stack.mailbox.to(address)).length, 5, 'none for accepted or the report');
  });
});
