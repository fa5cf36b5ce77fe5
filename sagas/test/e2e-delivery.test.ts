// A delivery end to end through the gateway over HTTP: a customer checks out, the assigned partner
// signs in and moves the shipment ACCEPTED → PICKED_UP → IN_TRANSIT (and a position report) →
// DELIVERED, and the customer is told each step that concerns them by email, read back from
// MailDev. The subgraphs, the orchestrator and the notification worker run as processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack } from '@shop/testing';
import { CARDS, CheckoutWorld } from './e2e/checkout-world.js';
import { assertInBothParts, assertOneEmailEach } from './notifications-support.js';

describe('delivery end to end: a partner moves the shipment through the gateway, the customer gets the emails', () => {
  const stack = new TestStack('e2edlv');
  let world: CheckoutWorld;
  let partner: { token: string };

  before(async () => {
    // The one partner is one who can sign in: the world's default has no users account.
    world = await CheckoutWorld.open(stack, { notifications: true, partners: [] });
    partner = await world.partner({
      name: 'Speedy Couriers',
      homePostalCode: '10001',
      serviceAreas: ['100'],
      capacity: 10,
    });
    await world.products([{ id: 'kettle', title: 'Copper kettle', priceCents: 3450, stock: 10 }]);
  });
  after(async () => {
    await world?.close();
  });

  it('assigned, picked up, out for delivery, delivered: one email each, none for accept or a position report', async () => {
    const c = await world.customer();
    await world.addToCart(c, 'kettle', 1);
    const placed = await world.placeOrder(c, CARDS.success);
    assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
    const o = await world.settled(c, placed.data!.placeOrder.id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');

    const { myShipments } = await world.ok<{
      myShipments: { id: string; status: string; trackingCode: string; order: { id: string } }[];
    }>(partner, '{ myShipments { id status trackingCode order { id } } }');
    const shipment = myShipments.find((s) => s.order.id === o.id);
    assert.ok(shipment?.status === 'ASSIGNED', JSON.stringify(myShipments));
    const moves = [
      ['acceptShipment', 'ACCEPTED'],
      ['markShipmentPickedUp', 'PICKED_UP'],
      ['markShipmentInTransit', 'IN_TRANSIT'],
      // A position report: IN_TRANSIT → IN_TRANSIT, no second "out for delivery".
      ['markShipmentInTransit', 'IN_TRANSIT'],
      ['markShipmentDelivered', 'DELIVERED'],
    ] as const;
    for (const [i, [mutation, status]] of moves.entries()) {
      const position = mutation === 'markShipmentInTransit' ? ', position: $position' : '';
      const moved: Record<string, { status: string }> = await world.ok(
        partner,
        `mutation ($id: ID!${position === '' ? '' : ', $position: GeoPositionInput'}) {
          ${mutation}(id: $id${position}) { status } }`,
        { id: shipment.id, position: { latitude: 40.75 + i / 100, longitude: -73.99 } },
      );
      assert.equal(moved[mutation]?.status, status, mutation);
    }

    const { order } = await world.ok<{ order: { orderNumber: string } }>(
      c,
      'query ($id: ID!) { order(id: $id) { orderNumber } }',
      { id: o.id },
    );
    const code = shipment.trackingCode;
    const shipmentSubjects = [
      `Speedy Couriers will deliver your order (${code})`,
      `Your order was picked up (${code})`,
      `Your order is out for delivery (${code})`,
      `Your order was delivered (${code})`,
    ];
    // Shipment events share the order's key, so one partition: once the delivered email is sent,
    // every earlier change (the accept and the position report too) has been handled.
    const mails = assertOneEmailEach(await world.mailsTo(c, 5), [
      `Order ${order.orderNumber} confirmed`,
      ...shipmentSubjects,
    ]);
    for (const subject of shipmentSubjects) {
      const mail = mails.get(subject)!;
      assert.deepEqual(
        mail.to.map((t) => t.address),
        [c.email],
      );
      assertInBothParts(mail, [o.id, code, 'Speedy Couriers'], subject);
    }
  });
});
