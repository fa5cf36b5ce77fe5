import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '@shop/subgraph-kit';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack, waitUntil } from '@shop/testing';
import { OrderPlacement } from '../src/service/order-placement.service.js';
import {
  ADDRESS,
  openOrdersWorld,
  PLACE_ORDER,
  probeTopic,
  TEST_CARDS,
  type OrdersWorld,
  type TopicProbe,
} from './orders-world.js';

interface PlacedOrder {
  id: string;
  orderNumber: string;
  status: string;
  totalCents: number;
  subtotalCents: number;
  currency: string;
  lines: { product: { id: string }; title: string; quantity: number; unitPriceCents: number }[];
  payment: { status: string; capturedCents: number; refundedCents: number; cardLast4: string };
  history: { from: string | null; to: string }[];
}

const input = (key: string, overrides: Record<string, unknown> = {}) => ({
  input: {
    shippingAddress: ADDRESS,
    paymentMethod: TEST_CARDS.success,
    idempotencyKey: key,
    ...overrides,
  },
});

describe('placeOrder against real cart, catalog and users', () => {
  const stack = new TestStack('ordplace');
  let world: OrdersWorld;
  let events: TopicProbe;

  before(async () => {
    world = await openOrdersWorld(stack);
    events = await probeTopic(world, stack, world.topics.events);
    await world.product('lamp', 2599, 50);
    await world.product('mug', 899, 50);
    await world.product('gone', 500, 0);
  });
  after(async () => {
    await events?.stop();
    await world?.close();
  });

  it('creates a PENDING order from the cart with catalog’s prices, the placed events, and empties the cart', async () => {
    const alice = await world.customer();
    await world.addToCart(alice, 'lamp', 2);
    await world.addToCart(alice, 'mug', 1);
    const res = await world.as<{ placeOrder: PlacedOrder }>(
      alice,
      PLACE_ORDER,
      input(crypto.randomUUID()),
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const order = res.data!.placeOrder;
    assert.equal(order.status, 'PENDING');
    assert.equal(order.totalCents, 2 * 2599 + 899);
    assert.equal(order.subtotalCents, order.totalCents);
    assert.equal(order.currency, 'USD');
    assert.match(order.orderNumber, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    assert.deepEqual(
      order.lines.map((l) => [l.product.id, l.title, l.quantity, l.unitPriceCents]),
      [
        ['lamp', 'Product lamp', 2, 2599],
        ['mug', 'Product mug', 1, 899],
      ],
    );
    assert.deepEqual(order.payment, {
      status: 'PENDING',
      capturedCents: 0,
      refundedCents: 0,
      cardLast4: '4242',
    });
    assert.deepEqual(order.history, [{ from: null, to: 'PENDING' }]);

    const placed = await waitUntil(
      () => {
        const mine = events.envelopes.filter(
          (e) => e.key === order.id && e.type === 'orders.order-placed',
        );
        return mine.length === 2 && mine;
      },
      { what: 'order-placed v1 and v2' },
    );
    const v2 = placed.find((e) => e.version === 2)!.data;
    assert.equal(v2.totalCents, order.totalCents);
    assert.deepEqual(v2.shippingAddress, ADDRESS);
    const customer = v2.customer as { userId: string; email: string; name: string };
    assert.equal(customer.userId, alice);
    assert.match(customer.email, /@shop\.test$/);
    assert.equal(customer.name, ADDRESS.name);
    // The card is never stored nor published: only the provider's token and the last four.
    assert.doesNotMatch(JSON.stringify(placed), /4242424242424242/);
    const stored = await world.rows<Record<string, unknown>>(
      'SELECT * FROM payments WHERE order_id = ?',
      [order.id],
    );
    assert.doesNotMatch(JSON.stringify(stored), /4242424242424242/);

    const cart = await world.cart.carts.checkoutCart({ roles: [], service: 'orders' }, alice, () =>
      Promise.resolve(new Map()),
    );
    assert.deepEqual(cart.lines, []);
  });

  it('refuses an empty cart, an unavailable line and a bad card with BAD_USER_INPUT', async () => {
    const bob = await world.customer();
    const empty = await world.as(bob, PLACE_ORDER, input(crypto.randomUUID()));
    assert.equal(empty.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(empty.errors?.[0]?.message ?? '', /cart is empty/);

    await world.addToCart(bob, 'lamp', 1);
    await world.addToCart(bob, 'gone', 1).catch(() => undefined);
    // Out of stock after it was added: flagged in the cart, refused at placement.
    await world.addToCart(bob, 'mug', 1);
    await world.product('mug', 899, 0);
    const flagged = await world.as(bob, PLACE_ORDER, input(crypto.randomUUID()));
    assert.equal(flagged.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(flagged.errors?.[0]?.message ?? '', /cart\.mug cannot be ordered now/);
    await world.product('mug', 899, 50);

    const card = await world.as(
      bob,
      PLACE_ORDER,
      input(crypto.randomUUID(), { paymentMethod: '4242 4242 4242 4241' }),
    );
    assert.equal(card.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(card.errors?.[0]?.message ?? '', /paymentMethod/);
    const address = await world.as(
      bob,
      PLACE_ORDER,
      input(crypto.randomUUID(), { shippingAddress: { ...ADDRESS, country: 'usa' } }),
    );
    assert.equal(address.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(address.errors?.[0]?.message ?? '', /shippingAddress\.country/);
    // Addresses the place-order saga could not start with (delivery takes US ZIP codes only).
    for (const [shippingAddress, field] of [
      [{ ...ADDRESS, country: 'DE', postalCode: '10115' }, /shippingAddress\.country/],
      [{ ...ADDRESS, postalCode: 'ABC' }, /shippingAddress\.postalCode/],
    ] as const) {
      const refused = await world.as(
        bob,
        PLACE_ORDER,
        input(crypto.randomUUID(), { shippingAddress }),
      );
      assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(refused.errors?.[0]?.message ?? '', field);
    }
    const count = await world.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
      [bob],
    );
    assert.equal(Number(count[0]?.n), 0);
  });

  it('five concurrent placements with one key make one order; another address with the key is a CONFLICT', async () => {
    const carol = await world.customer();
    await world.addToCart(carol, 'lamp', 1);
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        world.as<{ placeOrder: PlacedOrder }>(carol, PLACE_ORDER, input(key)),
      ),
    );
    for (const a of answers) assert.equal(a.errors, undefined, JSON.stringify(a.errors));
    const ids = new Set(answers.map((a) => a.data!.placeOrder.id));
    assert.equal(ids.size, 1);
    const [orderId] = [...ids];
    const rows = await world.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
      [carol],
    );
    assert.equal(Number(rows[0]?.n), 1);

    // Later, with the cart already emptied by the first: the same answer, no cart needed.
    const replay = await world.as<{ placeOrder: PlacedOrder }>(carol, PLACE_ORDER, input(key));
    assert.equal(replay.data?.placeOrder.id, orderId);

    const conflict = await world.as(
      carol,
      PLACE_ORDER,
      input(key, { shippingAddress: { ...ADDRESS, line1: '1 Other Street' } }),
    );
    assert.equal(conflict.errors?.[0]?.extensions?.code, 'CONFLICT');
    const otherCard = await world.as(
      carol,
      PLACE_ORDER,
      input(key, { paymentMethod: TEST_CARDS.declined }),
    );
    assert.equal(otherCard.errors?.[0]?.extensions?.code, 'CONFLICT');

    await world.drained();
    const placedEvents = events.envelopes.filter(
      (e) => e.key === orderId && e.type === 'orders.order-placed' && e.version === 2,
    );
    assert.equal(placedEvents.length, 1);
  });

  it('a request that reads the cart after its twin placed the order and cleared it answers the replay', async () => {
    // The interleaving the five-at-once test only sometimes hits (CI saw "cart is empty"): the
    // late request checked the key before its twin's order existed, and reads the cart after the
    // twin cleared it.
    const dave = await world.customer();
    await world.addToCart(dave, 'mug', 1);
    const key = crypto.randomUUID();
    const deps = world.orders.orders.placement['deps'];
    let entered!: () => void;
    const reading = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const late = new OrderPlacement({
      ...deps,
      cart: {
        async checkoutCart(userId) {
          entered();
          await released;
          return deps.cart.checkoutCart(userId);
        },
        clearCheckedOut: (userId, version) => deps.cart.clearCheckedOut(userId, version),
      },
    });
    const identity: Identity = { userId: dave, roles: ['customer'] };
    const lateAnswer = late.place(identity, input(key).input);
    await reading;
    const first = await world.as<{ placeOrder: PlacedOrder }>(dave, PLACE_ORDER, input(key));
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    release();
    const order = await lateAnswer;
    assert.equal(order.id, first.data?.placeOrder.id);
    const count = await world.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
      [dave],
    );
    assert.equal(Number(count[0]?.n), 1);
  });

  it('ignores a client’s price and refuses a client’s line or quantity: the schema takes neither', async () => {
    const dave = await world.customer();
    await world.addToCart(dave, 'lamp', 3);
    const withPrice = await world.as(
      dave,
      PLACE_ORDER,
      input(crypto.randomUUID(), { totalCents: 1, lines: [{ productId: 'lamp', quantity: 99 }] }),
    );
    assert.ok(withPrice.errors !== undefined && withPrice.errors.length > 0);
    assert.match(withPrice.errors[0]?.message ?? '', /totalCents|lines/);
    const none = await world.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
      [dave],
    );
    assert.equal(Number(none[0]?.n), 0);

    // Catalog's price at placement wins over what the cart showed before.
    await world.product('lamp', 3100, 50);
    const res = await world.as<{ placeOrder: PlacedOrder }>(
      dave,
      PLACE_ORDER,
      input(crypto.randomUUID()),
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.placeOrder.totalCents, 3 * 3100);
    await world.product('lamp', 2599, 50);
  });
  it('cart opens a user’s checkout cart to the orders service only, and keeps lines added since', async () => {
    const erin = await world.customer();
    await world.addToCart(erin, 'lamp', 1);
    const CHECKOUT = 'query ($u: ID!) { checkoutCart(userId: $u) { id version } }';
    const asErin = await gql(
      world.cart.http.url,
      CHECKOUT,
      { u: erin },
      await proofMinter('cart')({ sub: erin, roles: ['customer'] }),
    );
    assert.equal(asErin.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const asAdmin = await gql(
      world.cart.http.url,
      CHECKOUT,
      { u: erin },
      await proofMinter('cart')({ sub: crypto.randomUUID(), roles: ['admin'] }),
    );
    assert.equal(asAdmin.errors?.[0]?.extensions?.code, 'FORBIDDEN');

    const asOrders = { roles: [], service: 'orders' } as const;
    const noFacts = () => Promise.resolve(new Map());
    const read = await world.cart.carts.checkoutCart(asOrders, erin, noFacts);
    await world.addToCart(erin, 'mug', 1); // while the order is being placed
    assert.equal(await world.cart.carts.clearCheckedOut(asOrders, erin, read.version), false);
    const kept = await world.cart.carts.checkoutCart(asOrders, erin, noFacts);
    assert.deepEqual(
      kept.lines.map((l) => l.productId),
      ['lamp', 'mug'],
    );
    assert.equal(await world.cart.carts.clearCheckedOut(asOrders, erin, kept.version), true);
  });

  it('a dead cart fails placement with a clear error within the deadline, and places nothing', async () => {
    const frank = await world.customer();
    await world.addToCart(frank, 'lamp', 1);
    await world.cart.http.close();
    const started = Date.now();
    const res = await world.as(frank, PLACE_ORDER, input(crypto.randomUUID()));
    assert.ok(Date.now() - started < 5_000, 'answers within 5 s');
    assert.ok(res.errors !== undefined && res.errors.length > 0);
    assert.match(res.errors[0]?.message ?? '', /cart CheckoutCart/);
    const count = await world.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM orders WHERE user_id = ?',
      [frank],
    );
    assert.equal(Number(count[0]?.n), 0);
  });
});
