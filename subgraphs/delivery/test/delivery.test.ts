import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, parseConfig } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import {
  deliveryConfigSchema,
  seedDelivery,
  startDeliveryApp,
  type DeliveryApp,
} from '../src/index.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('delivery');

const ORDER_SHIPMENT = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id shipment { id trackingCode partner { name } } } } }`;

describe('delivery subgraph over HTTP against MariaDB', () => {
  const stack = new TestStack('delivery');
  let app: DeliveryApp;
  let url: string;
  let dbUrl: string;
  let selects = 0;
  const customer = crypto.randomUUID();
  const otherCustomer = crypto.randomUUID();
  const partnerUser = crypto.randomUUID();
  const otherPartnerUser = crypto.randomUUID();
  const orderId = crypto.randomUUID();
  let shipmentId: string;

  before(async () => {
    const db = await stack.createDatabase('delivery');
    dbUrl = db.url;
    const config = parseConfig(deliveryConfigSchema, {
      ...db.mysqlEnv,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      DELIVERY_EVENTS_TOPIC: stack.ns.topic('delivery.events'),
      DELIVERY_COMMAND_TOPIC: stack.ns.topic('sagas.commands.delivery'),
      DELIVERY_COMMAND_GROUP: stack.ns.group('delivery.saga-commands'),
      PORT: '0',
      NODE_ENV: 'test',
    });
    app = await startDeliveryApp(config, createLogger('delivery', 'silent'), {
      debug: ['query'],
      colors: false,
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /shipments/.test(message)) selects++;
      },
    });
    url = app.http.url;
    const seeded = await seedDelivery(dbUrl, {
      partners: [
        { userId: partnerUser, name: 'Speedy' },
        { userId: otherPartnerUser, name: 'Other' },
      ],
      shipments: [{ orderId, customerId: customer, partnerIndex: 0 }],
    });
    shipmentId = seeded.shipmentIds[0]!;
  });
  after(async () => {
    await app?.close();
    await stack.cleanup();
  });

  it('shows Order.shipment to its customer and assigned partner, nothing to others', async () => {
    const r = [{ __typename: 'Order', id: orderId }];
    type Res = { _entities: { shipment: { id: string; partner: { name: string } } | null }[] };
    const asCustomer = await gql<Res>(
      url,
      ORDER_SHIPMENT,
      { r },
      await mintProof({ sub: customer, roles: ['customer'] }),
    );
    assert.equal(asCustomer.data?._entities[0]?.shipment?.id, shipmentId);
    assert.equal(asCustomer.data?._entities[0]?.shipment?.partner.name, 'Speedy');
    const asPartner = await gql<Res>(
      url,
      ORDER_SHIPMENT,
      { r },
      await mintProof({ sub: partnerUser, roles: ['partner'] }),
    );
    assert.equal(asPartner.data?._entities[0]?.shipment?.id, shipmentId);
    for (const [sub, role] of [
      [otherCustomer, 'customer'],
      [otherPartnerUser, 'partner'],
    ] as const) {
      const res = await gql<Res>(
        url,
        ORDER_SHIPMENT,
        { r },
        await mintProof({ sub, roles: [role] }),
      );
      assert.equal(res.data?._entities[0]?.shipment, null);
    }
    const direct = await gql(
      url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Shipment { trackingCode } } }',
      { r: [{ __typename: 'Shipment', id: shipmentId }] },
      await mintProof({ sub: otherCustomer, roles: ['customer'] }),
    );
    assert.equal(direct.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(direct.data), /TRK-/);
    const anonymous = await gql(
      url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Shipment { trackingCode } } }',
      { r: [{ __typename: 'Shipment', id: shipmentId }] },
      await mintProof(),
    );
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.doesNotMatch(JSON.stringify(anonymous.data), /TRK-/);
  });

  it('lists a partner’s own shipments and refuses the query to customers', async () => {
    const mine = await gql<{ myShipments: { id: string }[] }>(
      url,
      '{ myShipments { id } }',
      {},
      await mintProof({ sub: partnerUser, roles: ['partner'] }),
    );
    assert.deepEqual(
      mine.data?.myShipments.map((s) => s.id),
      [shipmentId],
    );
    const other = await gql<{ myShipments: unknown[] }>(
      url,
      '{ myShipments { id } }',
      {},
      await mintProof({ sub: otherPartnerUser, roles: ['partner'] }),
    );
    assert.deepEqual(other.data?.myShipments, []);
    const asCustomer = await gql(
      url,
      '{ myShipments { id } }',
      {},
      await mintProof({ sub: customer, roles: ['customer'] }),
    );
    assert.equal(asCustomer.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('myShipments reads through the (partner_user_id, created_at) index, not a table scan', async () => {
    const plan = await app.orm.em
      .fork()
      .getConnection()
      .execute<{ key: string | null; Extra: string | null }[]>(
        'explain select * from shipments where partner_user_id = ? order by created_at desc',
        [partnerUser],
      );
    assert.equal(plan[0]?.key, 'shipments_partner_user_id_created_at_index', JSON.stringify(plan));
    assert.doesNotMatch(plan[0]?.Extra ?? '', /filesort/);
  });

  it('resolves N Order.shipment references with one query', async () => {
    const orders = Array.from({ length: 10 }, () => crypto.randomUUID());
    await seedDelivery(dbUrl, {
      shipments: orders.map((id) => ({ orderId: id, customerId: customer })),
    });
    selects = 0;
    const res = await gql<{ _entities: { shipment: { id: string } | null }[] }>(
      url,
      ORDER_SHIPMENT,
      { r: orders.map((id) => ({ __typename: 'Order', id })) },
      await mintProof({ sub: customer, roles: ['customer'] }),
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?._entities.filter((e) => e.shipment !== null).length, 10);
    assert.equal(selects, 1);
  });
});
