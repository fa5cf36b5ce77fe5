import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack, waitUntil } from '@shop/testing';
import {
  openDeliveryWorld,
  probeTopic,
  type DeliveryWorld,
  type TopicProbe,
} from './delivery-world.js';

const uid = () => crypto.randomUUID();
const SHIPMENT = 'id status sequence position { latitude longitude } reason';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('delivery');

describe('shipment lifecycle through the subgraph', () => {
  const stack = new TestStack('dlvlife');
  let world: DeliveryWorld;
  let events: TopicProbe;
  const customer = uid();
  const partnerUser = uid();
  const otherPartnerUser = uid();
  let partnerId = '';
  let otherPartnerId = '';

  before(async () => {
    // A short acceptance deadline and a fast sweep, for the time-out case.
    world = await openDeliveryWorld(stack, {
      DELIVERY_ACCEPT_TIMEOUT_MS: '60000',
      DELIVERY_SWEEP_INTERVAL_MS: '100',
    });
    const ids = await world.partners([
      { userId: partnerUser, name: 'Speedy', homePostalCode: '10001', capacity: 5 },
      { userId: otherPartnerUser, name: 'Other', homePostalCode: '10301', serviceAreas: ['100'] },
    ]);
    [partnerId, otherPartnerId] = [ids[0]!, ids[1]!];
    events = await probeTopic(world, stack, world.eventsTopic);
  });
  after(async () => {
    await events?.stop();
    await world?.close();
  });

  const as = (sub: string, role: 'partner' | 'customer' | 'admin') =>
    mintProof({ sub, roles: [role] });
  const move = async (
    who: string,
    role: 'partner' | 'customer' | 'admin',
    mutation: string,
    id: string,
    args = '',
  ) =>
    gql<Record<string, { status: string; sequence: number }>>(
      world.url,
      `mutation ($id: ID!) { ${mutation}(id: $id${args}) { ${SHIPMENT} } }`,
      { id },
      await as(who, role),
    );
  const assign = async (units = 2) => {
    const orderId = uid();
    const r = await world.app.delivery.assignments.assign({
      orderId,
      customerId: customer,
      postalCode: '10001',
      units,
    });
    assert.equal(r.outcome, 'assigned');
    return { orderId, ...r };
  };
  const load = async (id: string) =>
    Number(
      (
        await world.rows<{ current_load: number }>(
          'SELECT current_load FROM delivery_partners WHERE id = ?',
          [id],
        )
      )[0]?.current_load,
    );

  it('walks ASSIGNED → ACCEPTED → PICKED_UP → IN_TRANSIT → DELIVERED, events in order', async () => {
    const { orderId, shipmentId, partnerId: assigned } = await assign(2);
    assert.equal(assigned, partnerId);
    assert.equal(await load(partnerId), 2);

    const steps: [string, string, string?][] = [
      ['acceptShipment', 'ACCEPTED'],
      ['markShipmentPickedUp', 'PICKED_UP'],
      ['markShipmentInTransit', 'IN_TRANSIT', ', position: { latitude: 40.75, longitude: -73.99 }'],
      ['markShipmentInTransit', 'IN_TRANSIT', ', position: { latitude: 40.76, longitude: -73.98 }'],
      ['markShipmentDelivered', 'DELIVERED'],
    ];
    for (const [mutation, status, args] of steps) {
      const res = await move(partnerUser, 'partner', mutation, shipmentId, args);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(res.data?.[mutation]?.status, status);
    }
    assert.equal(await load(partnerId), 0, 'delivery frees the capacity');

    // Illegal now: CONFLICT, with the reason.
    const late = await move(partnerUser, 'partner', 'markShipmentPickedUp', shipmentId);
    assert.equal(late.errors?.[0]?.extensions?.code, 'CONFLICT');
    assert.equal(late.errors?.[0]?.message, 'a shipment that is DELIVERED cannot be picked up');

    // The customer sees the whole history through Order.shipment.
    const seen = await gql<{
      _entities: {
        shipment: {
          status: string;
          trackingEvents: {
            sequence: number;
            change: string;
            status: string;
            position: { latitude: number } | null;
          }[];
        } | null;
      }[];
    }>(
      world.url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipment {
        status trackingEvents { sequence change status position { latitude } at } } } } }`,
      { r: [{ __typename: 'Order', id: orderId }] },
      await as(customer, 'customer'),
    );
    const history = seen.data?._entities[0]?.shipment?.trackingEvents ?? [];
    assert.deepEqual(
      history.map((e) => [e.sequence, e.change, e.status, e.position?.latitude ?? null]),
      [
        [1, 'assigned', 'ASSIGNED', null],
        [2, 'accepted', 'ACCEPTED', null],
        [3, 'picked-up', 'PICKED_UP', null],
        [4, 'in-transit', 'IN_TRANSIT', 40.75],
        [5, 'in-transit', 'IN_TRANSIT', 40.76],
        [6, 'delivered', 'DELIVERED', null],
      ],
    );

    // The same six reached Kafka, keyed by the order, in sequence order.
    const onKafka = await waitUntil(
      () => {
        const mine = events.envelopes.filter((e) => e.key === orderId);
        return mine.length >= 6 && mine;
      },
      { timeoutMs: 20_000, what: 'six shipment-changed events' },
    );
    assert.deepEqual(
      onKafka.map((e) => [e.type, e.data.sequence, e.data.status, e.data.partnerId]),
      [
        ['delivery.shipment-changed', 1, 'ASSIGNED', partnerId],
        ['delivery.shipment-changed', 2, 'ACCEPTED', partnerId],
        ['delivery.shipment-changed', 3, 'PICKED_UP', partnerId],
        ['delivery.shipment-changed', 4, 'IN_TRANSIT', partnerId],
        ['delivery.shipment-changed', 5, 'IN_TRANSIT', partnerId],
        ['delivery.shipment-changed', 6, 'DELIVERED', partnerId],
      ],
    );
    assert.deepEqual(onKafka[3]?.data.position, { latitude: 40.75, longitude: -73.99 });
    assert.equal(onKafka[0]?.data.customerId, customer);
    assert.equal(onKafka[0]?.data.partnerUserId, partnerUser);
  });

  it('refuses moves by another partner, the customer and anonymous callers', async () => {
    const { shipmentId } = await assign(1);
    const other = await move(otherPartnerUser, 'partner', 'acceptShipment', shipmentId);
    assert.equal(other.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const cust = await move(customer, 'customer', 'acceptShipment', shipmentId);
    assert.equal(cust.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const anon = await gql(
      world.url,
      `mutation ($id: ID!) { acceptShipment(id: $id) { id } }`,
      { id: shipmentId },
      await mintProof(),
    );
    assert.ok(
      ['UNAUTHENTICATED', 'FORBIDDEN'].includes(String(anon.errors?.[0]?.extensions?.code)),
    );
    const still = await world.rows<{ status: string; sequence: number }>(
      'SELECT status, sequence FROM shipments WHERE id = ?',
      [shipmentId],
    );
    assert.deepEqual(still[0], { status: 'ASSIGNED', sequence: 1 });
    // Another customer does not see it at all.
    const seen = await gql<{ shipment: unknown }>(
      world.url,
      'query ($id: ID!) { shipment(id: $id) { id } }',
      { id: shipmentId },
      await as(uid(), 'customer'),
    );
    assert.equal(seen.data?.shipment, null);
  });

  it('a decline moves the shipment to the next partner; the decliner is not asked again', async () => {
    const { orderId, shipmentId, partnerId: first } = await assign(1);
    assert.equal(first, partnerId);
    const before = await load(otherPartnerId);
    const res = await move(
      partnerUser,
      'partner',
      'declineShipment',
      shipmentId,
      ', reason: "flat tyre"',
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.declineShipment?.status, 'ASSIGNED');
    const [row] = await world.rows<{ partner_id: string; sequence: number }>(
      'SELECT partner_id, sequence FROM shipments WHERE id = ?',
      [shipmentId],
    );
    assert.equal(row?.partner_id, otherPartnerId);
    assert.equal(await load(otherPartnerId), before + 1);
    // The old partner can no longer move it.
    const stale = await move(partnerUser, 'partner', 'acceptShipment', shipmentId);
    assert.equal(stale.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // The second partner declines too: nobody is left, the shipment waits (PENDING).
    const again = await move(otherPartnerUser, 'partner', 'declineShipment', shipmentId);
    assert.equal(again.data?.declineShipment?.status, 'PENDING');
    const onKafka = await waitUntil(
      () => {
        const mine = events.envelopes.filter((e) => e.key === orderId);
        return mine.length >= 4 && mine;
      },
      { timeoutMs: 20_000, what: 'four events' },
    );
    assert.deepEqual(
      onKafka.map((e) => [
        e.data.sequence,
        e.data.change,
        e.data.status,
        e.data.partnerId,
        e.data.previousPartnerId,
      ]),
      [
        [1, 'assigned', 'ASSIGNED', partnerId, null],
        [2, 'declined', 'PENDING', null, partnerId],
        [3, 'assigned', 'ASSIGNED', otherPartnerId, null],
        [4, 'declined', 'PENDING', null, otherPartnerId],
      ],
    );
    assert.equal(onKafka[1]?.data.reason, 'flat tyre');
  });

  it('an assignment not accepted by its deadline moves on (the sweep)', async () => {
    const { shipmentId } = await assign(1);
    const [first] = await world.rows<{ partner_id: string }>(
      'SELECT partner_id FROM shipments WHERE id = ?',
      [shipmentId],
    );
    // Move the clock past the 60 s deadline; the sweep (every 100 ms) takes it from there.
    world.clock.offsetMs = 61_000;
    try {
      const moved = await waitUntil(
        async () => {
          const [r] = await world.rows<{ partner_id: string | null; status: string }>(
            'SELECT partner_id, status FROM shipments WHERE id = ?',
            [shipmentId],
          );
          return r !== undefined && r.partner_id !== first?.partner_id && r;
        },
        { timeoutMs: 10_000, what: 'the sweep to reassign' },
      );
      assert.equal(moved.status, 'ASSIGNED');
      const [decline] = await world.rows<{ reason: string }>(
        'SELECT reason FROM shipment_declines WHERE shipment_id = ?',
        [shipmentId],
      );
      assert.equal(decline?.reason, 'timed-out');
    } finally {
      world.clock.offsetMs = 0;
    }
  });
});
