import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger, parseConfig } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import { cartConfigSchema, seedCarts, startCartApp, type CartApp } from '../src/index.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('cart');

interface CartData {
  id: string;
  itemCount: number;
  items: { product: { id: string }; quantity: number }[];
}

describe('cart subgraph over HTTP against MariaDB', () => {
  const stack = new TestStack('cart');
  let app: CartApp;
  let url: string;
  let dbUrl: string;
  let selects = 0;
  const alice = crypto.randomUUID();
  const bob = crypto.randomUUID();

  before(async () => {
    const db = await stack.createDatabase('cart');
    dbUrl = db.url;
    const config = parseConfig(cartConfigSchema, {
      ...db.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
    });
    app = await startCartApp(config, createLogger('cart', 'silent'), {
      debug: ['query'],
      colors: false,
      // Counts the SELECTs the subgraph sends to MariaDB.
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /carts/.test(message)) selects++;
      },
    });
    url = app.http.url;
  });
  after(async () => {
    await app?.close();
    await stack.cleanup();
  });
  beforeEach(() => {
    selects = 0;
  });

  it('adds items to the caller’s own cart and reads it back', async () => {
    const asAlice = await mintProof({ sub: alice, roles: ['customer'] });
    const add =
      'mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { id itemCount items { product { id } quantity } } }';
    await gql(url, add, { p: 'prod-1', q: 2 }, asAlice);
    const res = await gql<{ addToCart: CartData }>(url, add, { p: 'prod-1', q: 1 }, asAlice);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(res.data?.addToCart.items, [{ product: { id: 'prod-1' }, quantity: 3 }]);

    const mine = await gql<{ myCart: CartData }>(url, '{ myCart { id itemCount } }', {}, asAlice);
    assert.equal(mine.data?.myCart.itemCount, 3);

    const bad = await gql(url, add, { p: 'prod-1', q: 0 }, asAlice);
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('an empty cart has its own id per user, the one it keeps after the first add', async () => {
    const [dan, erin] = [crypto.randomUUID(), crypto.randomUUID()];
    const asDan = await mintProof({ sub: dan, roles: ['customer'] });
    const asErin = await mintProof({ sub: erin, roles: ['customer'] });
    const myCart = '{ myCart { id itemCount } }';
    const danEmpty = (await gql<{ myCart: CartData }>(url, myCart, {}, asDan)).data?.myCart;
    const erinEmpty = (await gql<{ myCart: CartData }>(url, myCart, {}, asErin)).data?.myCart;
    assert.equal(danEmpty?.itemCount, 0);
    assert.equal(erinEmpty?.itemCount, 0);
    assert.ok(danEmpty.id.length > 0 && erinEmpty.id.length > 0);
    assert.notEqual(danEmpty.id, erinEmpty.id);

    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const viaUser = await gql<{ _entities: { cart: { id: string } }[] }>(
      url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { cart { id } } } }`,
      { r: [dan, erin].map((id) => ({ __typename: 'User', id })) },
      asAdmin,
    );
    assert.deepEqual(
      viaUser.data?._entities.map((e) => e.cart.id),
      [danEmpty.id, erinEmpty.id],
    );

    const added = await gql<{ addToCart: CartData }>(
      url,
      'mutation { addToCart(productId: "p1", quantity: 1) { id itemCount } }',
      {},
      asDan,
    );
    assert.deepEqual(added.data?.addToCart, { id: danEmpty.id, itemCount: 1 });
    const after = await gql<{ myCart: CartData }>(url, myCart, {}, asDan);
    assert.deepEqual(after.data?.myCart, { id: danEmpty.id, itemCount: 1 });
  });

  it('concurrent first adds to a new cart all land in one cart', async () => {
    const carol = crypto.randomUUID();
    const asCarol = await mintProof({ sub: carol, roles: ['customer'] });
    const add = 'mutation ($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }';
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((p) => gql(url, add, { p }, asCarol)),
    );
    assert.deepEqual(
      results.map((r) => r.errors),
      [undefined, undefined, undefined, undefined],
    );
    const mine = await gql<{ myCart: CartData }>(url, '{ myCart { itemCount } }', {}, asCarol);
    assert.equal(mine.data?.myCart.itemCount, 4);
  });

  it('never shows a cart to another customer, through User.cart or _entities', async () => {
    const [bobCart] = await seedCarts(dbUrl, [
      { userId: bob, items: [{ productId: 'secret', quantity: 1 }] },
    ]);
    const asAlice = await mintProof({ sub: alice, roles: ['customer'] });
    const viaUser = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { cart { items { product { id } } } } } }`;
    const peek = await gql<{ _entities: unknown[] }>(
      url,
      viaUser,
      { r: [{ __typename: 'User', id: bob }] },
      asAlice,
    );
    assert.equal(peek.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(peek.data), /secret/);

    const viaCart = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Cart { items { product { id } } } } }`;
    const direct = await gql(url, viaCart, { r: [{ __typename: 'Cart', id: bobCart }] }, asAlice);
    assert.equal(direct.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(direct.data), /secret/);

    const anon = await mintProof();
    const anonymous = await gql(url, '{ myCart { id } }', {}, anon);
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // An anonymous caller is told to sign in (UNAUTHENTICATED), not that it is someone else.
    for (const [query, r] of [
      [viaUser, [{ __typename: 'User', id: bob }]],
      [viaCart, [{ __typename: 'Cart', id: bobCart }]],
    ] as const) {
      const res = await gql(url, query, { r }, anon);
      assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.doesNotMatch(JSON.stringify(res.data), /secret/);
    }

    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const admin = await gql(url, viaUser, { r: [{ __typename: 'User', id: bob }] }, asAdmin);
    assert.match(JSON.stringify(admin.data), /secret/);
  });

  it('resolves N User.cart references with one query', async () => {
    const users = Array.from({ length: 12 }, () => crypto.randomUUID());
    await seedCarts(
      dbUrl,
      users.map((userId, i) => ({ userId, items: [{ productId: `p${i}`, quantity: 1 }] })),
    );
    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id cart { items { product { id } } } } } }`;
    selects = 0;
    const res = await gql<{ _entities: { cart: CartData }[] }>(
      url,
      query,
      { r: users.map((id) => ({ __typename: 'User', id })) },
      asAdmin,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(
      res.data?._entities.map((e) => e.cart.items[0]?.product.id),
      users.map((_, i) => `p${i}`),
    );
    assert.equal(selects, 1);
  });

  it('rejects a direct call without the gateway proof', async () => {
    const res = await gql(url, '{ myCart { id } }');
    assert.equal(res.status, 401);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});
