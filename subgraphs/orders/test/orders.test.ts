import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, parseConfig } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import { ordersConfigSchema, seedOrders, startOrdersApp, type OrdersApp } from '../src/index.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('orders');

describe('orders subgraph over HTTP against MariaDB', () => {
  const stack = new TestStack('orders');
  let app: OrdersApp;
  let url: string;
  let dbUrl: string;
  let selects = 0;
  const alice = crypto.randomUUID();
  const bob = crypto.randomUUID();
  let bobOrder: string;

  before(async () => {
    const db = await stack.createDatabase('orders');
    dbUrl = db.url;
    const config = parseConfig(ordersConfigSchema, {
      ...db.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
    });
    app = await startOrdersApp(config, createLogger('orders', 'silent'), {
      debug: ['query'],
      colors: false,
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /orders/.test(message)) selects++;
      },
    });
    url = app.http.url;
    await seedOrders(dbUrl, [
      { userId: alice, lines: [{ productId: 'p1', quantity: 2, unitPriceCents: 1000 }] },
      { userId: alice, lines: [{ productId: 'p2', quantity: 1, unitPriceCents: 250 }] },
    ]);
    [bobOrder] = (await seedOrders(dbUrl, [
      { userId: bob, lines: [{ productId: 'secret', quantity: 1, unitPriceCents: 99 }] },
    ])) as [string];
  });
  after(async () => {
    await app?.close();
    await stack.cleanup();
  });

  it('lists the caller’s own orders, newest first, with server-computed totals', async () => {
    const asAlice = await mintProof({ sub: alice, roles: ['customer'] });
    const res = await gql<{
      myOrders: { totalCents: number; lines: { product: { id: string } }[] }[];
    }>(
      url,
      '{ myOrders { id status totalCents lines { product { id } quantity unitPriceCents } } }',
      {},
      asAlice,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(
      res.data?.myOrders.map((o) => o.totalCents),
      [250, 2000],
    );
  });

  it('never shows another customer’s orders', async () => {
    const asAlice = await mintProof({ sub: alice, roles: ['customer'] });
    const one = await gql<{ order: unknown }>(
      url,
      'query ($id: ID!) { order(id: $id) { id } }',
      { id: bobOrder },
      asAlice,
    );
    assert.equal(one.data?.order, null);
    const viaUser = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { id lines { product { id } } } } } }`;
    const peek = await gql(url, viaUser, { r: [{ __typename: 'User', id: bob }] }, asAlice);
    assert.equal(peek.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(peek.data), /secret/);
    const viaOrder = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id lines { product { id } } } } }`;
    const direct = await gql(
      url,
      viaOrder,
      { r: [{ __typename: 'Order', id: bobOrder }] },
      asAlice,
    );
    assert.equal(direct.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(direct.data), /secret/);
    const anon = await mintProof();
    const anonymous = await gql(url, '{ myOrders { id } }', {}, anon);
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // An anonymous caller is told to sign in (UNAUTHENTICATED), not that it is someone else.
    for (const [query, r] of [
      [viaUser, [{ __typename: 'User', id: bob }]],
      [viaOrder, [{ __typename: 'Order', id: bobOrder }]],
    ] as const) {
      const res = await gql(url, query, { r }, anon);
      assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.doesNotMatch(JSON.stringify(res.data), /secret/);
    }
    assert.equal((await gql(url, '{ myOrders { id } }')).status, 401);
  });

  it('resolves N User.orders and N Order references with one query each', async () => {
    const users = Array.from({ length: 10 }, () => crypto.randomUUID());
    const ids = await seedOrders(
      dbUrl,
      users.map((userId, i) => ({
        userId,
        lines: [{ productId: `p${i}`, quantity: 1, unitPriceCents: 100 + i }],
      })),
    );
    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    selects = 0;
    const byUser = await gql<{ _entities: { orders: { totalCents: number }[] }[] }>(
      url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { totalCents } } } }`,
      { r: users.map((id) => ({ __typename: 'User', id })) },
      asAdmin,
    );
    assert.equal(byUser.errors, undefined, JSON.stringify(byUser.errors));
    assert.deepEqual(
      byUser.data?._entities.map((e) => e.orders[0]?.totalCents),
      users.map((_, i) => 100 + i),
    );
    assert.equal(selects, 1);

    selects = 0;
    const byId = await gql<{ _entities: { id: string }[] }>(
      url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`,
      { r: ids.map((id) => ({ __typename: 'Order', id })) },
      asAdmin,
    );
    assert.deepEqual(
      byId.data?._entities.map((e) => e.id),
      ids,
    );
    assert.equal(selects, 1);
  });
});
