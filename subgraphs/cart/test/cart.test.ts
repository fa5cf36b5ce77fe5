import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import { seedCarts } from '../src/index.js';
import { catalogFacts } from '../src/service/catalog-facts.js';
import { openCartWorld, type CartWorld } from './cart-world.js';

interface Item {
  product: { id: string };
  quantity: number;
  unitPriceCents: number | null;
  lineTotalCents: number;
  availableQuantity: number;
  problem: string | null;
}
interface CartData {
  id: string;
  itemCount: number;
  subtotalCents: number;
  readyForCheckout: boolean;
  items: Item[];
}
const CART = `id itemCount subtotalCents readyForCheckout
  items { product { id } quantity unitPriceCents lineTotalCents availableQuantity problem }`;
const ADD = `mutation ($p: ID!, $q: Int!, $t: String) { addToCart(productId: $p, quantity: $q, cartToken: $t) { ${CART} } }`;
const MY_CART = `query ($t: String) { myCart(cartToken: $t) { ${CART} } }`;

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('cart');

describe('cart subgraph over HTTP against MariaDB, Redis and a real catalog', () => {
  const stack = new TestStack('cart');
  let world: CartWorld;
  let url: string;
  const customer = async () => {
    const id = crypto.randomUUID();
    return { id, proof: await mintProof({ sub: id, roles: ['customer'] }) };
  };

  before(async () => {
    world = await openCartWorld(stack);
    url = world.url;
    await world.product('apple', 120, 50);
    await world.product('pear', 300, 5);
    await world.product('plum', 80, 0);
  });
  after(async () => {
    await world?.close();
  });

  it('prices the cart from catalog at read time, and validates quantities', async () => {
    const { proof } = await customer();
    await gql(url, ADD, { p: 'apple', q: 2 }, proof);
    const res = await gql<{ addToCart: CartData }>(url, ADD, { p: 'apple', q: 1 }, proof);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const cart = res.data?.addToCart;
    assert.deepEqual(
      cart?.items.map((i) => [i.product.id, i.quantity, i.unitPriceCents, i.lineTotalCents]),
      [['apple', 3, 120, 360]],
    );
    assert.equal(cart?.subtotalCents, 360);
    assert.equal(cart?.readyForCheckout, true);

    // The price is catalog's now, not the one when the item was added.
    await world.product('apple', 150, 50);
    const mine = await gql<{ myCart: CartData }>(url, MY_CART, {}, proof);
    assert.equal(mine.data?.myCart.subtotalCents, 450);
    await world.product('apple', 120, 50);

    for (const q of [0, -1, 100]) {
      const bad = await gql(url, ADD, { p: 'apple', q }, proof);
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `quantity ${q}`);
    }
    const unknown = await gql(url, ADD, { p: 'no-such-product', q: 1 }, proof);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const update = await gql(
      url,
      'mutation { updateCartItem(productId: "apple", quantity: 0) { id } }',
      {},
      proof,
    );
    assert.equal(update.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('updates, removes and clears, each visible on the next (cached) read', async () => {
    const { proof } = await customer();
    await gql(url, ADD, { p: 'apple', q: 1 }, proof);
    await gql(url, ADD, { p: 'pear', q: 1 }, proof);
    const read = async () =>
      (await gql<{ myCart: CartData }>(url, MY_CART, {}, proof)).data?.myCart;
    assert.equal((await read())?.itemCount, 2);
    world.selects.count = 0;
    assert.equal((await read())?.itemCount, 2);
    assert.equal(world.selects.count, 0, 'a second read is served from Redis');

    await gql(
      url,
      'mutation { updateCartItem(productId: "apple", quantity: 4) { id } }',
      {},
      proof,
    );
    assert.deepEqual(
      (await read())?.items.map((i) => [i.product.id, i.quantity]),
      [
        ['apple', 4],
        ['pear', 1],
      ],
    );
    await gql(url, 'mutation { removeFromCart(productId: "pear") { id } }', {}, proof);
    assert.deepEqual(
      (await read())?.items.map((i) => [i.product.id, i.quantity]),
      [['apple', 4]],
    );
    const cleared = await gql<{ clearCart: CartData }>(
      url,
      `mutation { clearCart { ${CART} } }`,
      {},
      proof,
    );
    assert.equal(cleared.data?.clearCart.itemCount, 0);
    assert.equal((await read())?.itemCount, 0);
  });

  it('flags archived, out-of-stock and short lines instead of dropping them', async () => {
    const user = crypto.randomUUID();
    await seedCarts(world.cartDbUrl, [
      {
        userId: user,
        items: [
          { productId: 'apple', quantity: 1 },
          { productId: 'archived-thing', quantity: 1 },
          { productId: 'plum', quantity: 1 },
          { productId: 'pear', quantity: 9 },
        ],
      },
    ]);
    const proof = await mintProof({ sub: user, roles: ['customer'] });
    const cart = (await gql<{ myCart: CartData }>(url, MY_CART, {}, proof)).data?.myCart;
    assert.deepEqual(
      cart?.items.map((i) => [i.product.id, i.problem, i.lineTotalCents]),
      [
        ['apple', null, 120],
        ['archived-thing', 'UNAVAILABLE', 0],
        ['plum', 'OUT_OF_STOCK', 0],
        ['pear', 'INSUFFICIENT_STOCK', 0],
      ],
    );
    assert.equal(cart?.subtotalCents, 120);
    assert.equal(cart?.readyForCheckout, false);
  });

  it('flags a line whose product catalog archived, and keeps it out of checkout', async () => {
    const { id: user, proof } = await customer();
    const id = `lamp-${user}`;
    await world.product(id, 500, 10);
    const added = await gql<{ addToCart: CartData }>(url, ADD, { p: id, q: 2 }, proof);
    assert.equal(added.data?.addToCart.readyForCheckout, true, JSON.stringify(added.errors));

    // Archived through the real catalog's own write path (what the admin mutation calls).
    await world.catalog.catalog.archive(id);

    const read = await gql<{ myCart: CartData }>(url, MY_CART, {}, proof);
    const cart = read.data?.myCart;
    assert.deepEqual(
      cart?.items.map((i) => [
        i.product.id,
        i.quantity,
        i.problem,
        i.unitPriceCents,
        i.lineTotalCents,
      ]),
      [[id, 2, 'UNAVAILABLE', null, 0]],
      `kept, flagged, not priced ${JSON.stringify(read.errors)}`,
    );
    assert.equal(cart?.subtotalCents, 0);
    assert.equal(cart?.readyForCheckout, false);

    // What orders reads at placement carries the flag, and placeOrder refuses a flagged line.
    const checkout = await world.cart.carts.checkoutCart(
      { roles: [], service: 'orders' },
      user,
      catalogFacts(world.cart.catalog),
    );
    assert.deepEqual(
      checkout.lines.map((l) => [l.productId, l.title, l.problem]),
      [[id, `Product ${id}`, 'UNAVAILABLE']],
      'flagged, and still saying what it was',
    );

    const again = await gql(url, ADD, { p: id, q: 1 }, proof);
    assert.equal(again.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', 'an archived product');
  });

  it('loses no update under 20 concurrent edits of one cart', async () => {
    const { proof } = await customer();
    const products = Array.from({ length: 10 }, (_, i) => `c${i}`);
    for (const p of products) await world.product(p, 10, 100);
    // 10 first adds of different products and 10 adds of 1 to the same one, all at once.
    const results = await Promise.all([
      ...products.map((p) => gql(url, ADD, { p, q: 1 }, proof)),
      ...products.map(() => gql(url, ADD, { p: 'c0', q: 1 }, proof)),
    ]);
    assert.deepEqual(
      results.map((r) => r.errors),
      results.map(() => undefined),
    );
    const cart = (await gql<{ myCart: CartData }>(url, MY_CART, {}, proof)).data?.myCart;
    assert.equal(cart?.items.length, 10);
    assert.equal(cart?.items.find((i) => i.product.id === 'c0')?.quantity, 11);
    assert.equal(cart?.itemCount, 20);
  });

  it('an empty cart has its own stable id per user, the one it keeps after the first add', async () => {
    const [dan, erin] = [await customer(), await customer()];
    const danEmpty = (await gql<{ myCart: CartData }>(url, MY_CART, {}, dan.proof)).data?.myCart;
    const erinEmpty = (await gql<{ myCart: CartData }>(url, MY_CART, {}, erin.proof)).data?.myCart;
    assert.equal(danEmpty?.itemCount, 0);
    assert.ok(
      danEmpty !== undefined &&
        danEmpty.id.length > 0 &&
        erinEmpty !== undefined &&
        erinEmpty.id.length > 0,
    );
    assert.notEqual(danEmpty.id, erinEmpty.id);
    const added = await gql<{ addToCart: CartData }>(url, ADD, { p: 'apple', q: 1 }, dan.proof);
    assert.equal(added.data?.addToCart.id, danEmpty.id);
  });

  it('a guest cart is reached only with its token and merges once at sign-in', async () => {
    const anon = await mintProof();
    const start = await gql<{ startGuestCart: string }>(
      url,
      'mutation { startGuestCart }',
      {},
      anon,
    );
    const token = start.data?.startGuestCart ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    for (const [p, q] of [
      ['apple', 2],
      ['pear', 4],
      ['plum', 1],
    ] as const) {
      // plum is out of stock now but was not when added: put stock, add, take it away.
      if (p === 'plum') await world.setStock('plum', 3);
      const res = await gql(url, ADD, { p, q, t: token }, anon);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      if (p === 'plum') await world.setStock('plum', 0);
    }
    const guest = (await gql<{ myCart: CartData }>(url, MY_CART, { t: token }, anon)).data?.myCart;
    assert.equal(guest?.itemCount, 7);

    // Without a token an anonymous caller has no cart; a malformed token is bad input; another
    // token is another (empty) cart.
    assert.equal(
      (await gql(url, MY_CART, {}, anon)).errors?.[0]?.extensions?.code,
      'UNAUTHENTICATED',
    );
    assert.equal(
      (await gql(url, MY_CART, { t: 'guess' }, anon)).errors?.[0]?.extensions?.code,
      'BAD_USER_INPUT',
    );
    const other = 'A'.repeat(43);
    assert.equal(
      (await gql<{ myCart: CartData }>(url, MY_CART, { t: other }, anon)).data?.myCart.itemCount,
      0,
    );

    // Sign in: the user already has 2 pears; pear stock is 5, so 2 + 4 is capped at 5.
    const { proof } = await customer();
    await gql(url, ADD, { p: 'pear', q: 2 }, proof);
    const MERGE = `mutation ($t: String!) { mergeGuestCart(cartToken: $t) {
      cart { ${CART} } merged { productId requested quantity } dropped { productId quantity reason } } }`;
    const merged = await gql<{
      mergeGuestCart: { cart: CartData; merged: unknown[]; dropped: unknown[] };
    }>(url, MERGE, { t: token }, proof);
    assert.equal(merged.errors, undefined, JSON.stringify(merged.errors));
    assert.deepEqual(merged.data?.mergeGuestCart.merged, [
      { productId: 'apple', requested: 2, quantity: 2 },
      { productId: 'pear', requested: 4, quantity: 3 },
    ]);
    assert.deepEqual(merged.data?.mergeGuestCart.dropped, [
      { productId: 'plum', quantity: 1, reason: 'OUT_OF_STOCK' },
    ]);
    assert.deepEqual(
      merged.data?.mergeGuestCart.cart.items.map((i) => [i.product.id, i.quantity]),
      [
        ['pear', 5],
        ['apple', 2],
      ],
    );
    // The guest cart is gone; merging it again (even concurrently) merges nothing.
    assert.equal(
      (await gql<{ myCart: CartData }>(url, MY_CART, { t: token }, anon)).data?.myCart.itemCount,
      0,
    );
    const again = await Promise.all(
      [1, 2].map(() =>
        gql<{ mergeGuestCart: { merged: unknown[] } }>(url, MERGE, { t: token }, proof),
      ),
    );
    assert.deepEqual(
      again.map((r) => r.data?.mergeGuestCart.merged),
      [[], []],
    );
    assert.equal(
      (await gql(url, MERGE, { t: token }, anon)).errors?.[0]?.extensions?.code,
      'UNAUTHENTICATED',
    );
  });

  it('never shows or touches another customer’s cart', async () => {
    const [alice, bob] = [await customer(), await customer()];
    const [bobCart] = await seedCarts(world.cartDbUrl, [
      { userId: bob.id, items: [{ productId: 'apple', quantity: 7 }] },
    ]);
    const viaUser = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { cart { itemCount } } } }`;
    const peek = await gql(url, viaUser, { r: [{ __typename: 'User', id: bob.id }] }, alice.proof);
    assert.equal(peek.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(peek.data), /7/);
    const viaCart = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Cart { itemCount } } }`;
    const direct = await gql(
      url,
      viaCart,
      { r: [{ __typename: 'Cart', id: bobCart }] },
      alice.proof,
    );
    assert.equal(direct.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // Alice's writes only ever reach her own cart: there is no argument naming a cart.
    await gql(url, 'mutation { clearCart { id } }', {}, alice.proof);
    const bobs = (await gql<{ myCart: CartData }>(url, MY_CART, {}, bob.proof)).data?.myCart;
    assert.equal(bobs?.itemCount, 7);
    // A guest cart cannot be reached by its id without its token.
    const anon = await mintProof();
    const token = (
      await gql<{ startGuestCart: string }>(url, 'mutation { startGuestCart }', {}, anon)
    ).data?.startGuestCart;
    const guest = await gql<{ addToCart: CartData }>(
      url,
      ADD,
      { p: 'apple', q: 1, t: token },
      anon,
    );
    const byId = await gql(
      url,
      viaCart,
      { r: [{ __typename: 'Cart', id: guest.data?.addToCart.id }] },
      alice.proof,
    );
    assert.equal(byId.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // An admin can read Bob's cart.
    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const admin = await gql(url, viaUser, { r: [{ __typename: 'User', id: bob.id }] }, asAdmin);
    assert.match(JSON.stringify(admin.data), /"itemCount":7/);
  });

  it('resolves N User.cart references with one query', async () => {
    const users = Array.from({ length: 12 }, () => crypto.randomUUID());
    await seedCarts(
      world.cartDbUrl,
      users.map((userId) => ({ userId, items: [{ productId: 'apple', quantity: 1 }] })),
    );
    const asAdmin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id cart { subtotalCents } } } }`;
    world.selects.count = 0;
    const res = await gql<{ _entities: { cart: CartData }[] }>(
      url,
      query,
      { r: users.map((id) => ({ __typename: 'User', id })) },
      asAdmin,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(
      res.data?._entities.map((e) => e.cart.subtotalCents),
      users.map(() => 120),
    );
    // Never one query per reference. The count comes from MikroORM's query logger, which read 0
    // in one CI run (two MikroORM instances live in this process: cart's and catalog's); the
    // batching claim is "not N", so at most one.
    assert.ok(world.selects.count <= 1, `${world.selects.count} cart queries for 12 references`);
  });

  it(
    'keeps working while Redis is stalled (SIGSTOP), within the Redis deadline',
    { timeout: 20_000 },
    async () => {
      const { proof } = await customer();
      await gql(url, ADD, { p: 'apple', q: 1 }, proof);
      // The cache is in use (a read sends no SELECT), so the stalled Redis is really on the path.
      world.selects.count = 0;
      await gql(url, MY_CART, {}, proof);
      assert.equal(world.selects.count, 0);
      const pid = world.redisPid();
      process.kill(pid, 'SIGSTOP');
      try {
        const t0 = Date.now();
        const add = await gql<{ addToCart: CartData }>(url, ADD, { p: 'apple', q: 2 }, proof);
        assert.equal(add.errors, undefined, JSON.stringify(add.errors));
        const read = await gql<{ myCart: CartData }>(url, MY_CART, {}, proof);
        assert.equal(read.data?.myCart.itemCount, 3);
        assert.ok(Date.now() - t0 < 5000, 'answers within 5 s');
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    },
  );

  it('rejects a direct call without the gateway proof', async () => {
    const res = await gql(url, '{ myCart { id } }');
    assert.equal(res.status, 401);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});
