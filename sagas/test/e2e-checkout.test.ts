// Checkout end to end through the gateway over HTTP, with the real users, catalog, cart, orders
// and delivery subgraphs, the saga orchestrator and the notification worker running as processes on
// the local stack; the customer's emails read back from MailDev.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil } from '@shop/testing';
import {
  address,
  CARDS,
  CheckoutWorld,
  ORDER_FIELDS,
  type Customer,
  type GqlResult,
  type OrderView,
} from './e2e/checkout-world.js';
import { assertInBothParts, assertOneEmailEach } from './notifications-support.js';

describe('checkout end to end: gateway, five subgraphs, orchestrator, notification worker', () => {
  const stack = new TestStack('e2eco');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack, { notifications: true });
    await world.products([
      { id: 'lamp', title: 'Brass desk lamp', priceCents: 2599, stock: 1000 },
      { id: 'mug', title: 'Stoneware mug', priceCents: 899, stock: 1000 },
      { id: 'rare', title: 'Rare vinyl record', priceCents: 4999, stock: 1 },
    ]);
  });
  after(async () => {
    await world?.close();
  });

  /** A customer whose cart holds the lines, ready to check out. */
  const shopper = async (lines: Record<string, number>): Promise<Customer> => {
    const c = await world.customer();
    for (const [productId, quantity] of Object.entries(lines))
      await world.addToCart(c, productId, quantity);
    return c;
  };

  /** What the emails quote: the order number and, once assigned, the shipment's tracking code. */
  const references = async (
    c: Customer,
    id: string,
  ): Promise<{ orderNumber: string; trackingCode: string | undefined }> => {
    const { order } = await world.ok<{
      order: { orderNumber: string | null; shipment: { trackingCode: string } | null };
    }>(c, 'query ($id: ID!) { order(id: $id) { orderNumber shipment { trackingCode } } }', {
      id,
    });
    assert.ok(order.orderNumber, 'an order number');
    return { orderNumber: order.orderNumber, trackingCode: order.shipment?.trackingCode };
  };

  const place = async (
    c: Customer,
    card: string,
    options: Parameters<CheckoutWorld['placeOrder']>[2] = {},
  ): Promise<OrderView> => {
    const res = await world.placeOrder(c, card, options);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.placeOrder.status, 'PENDING');
    return res.data.placeOrder;
  };

  it('search → add to cart → place order with the success card → CONFIRMED, stock committed, partner assigned, captured once; one confirmation email with lines, totals and address', async () => {
    const c = await world.customer();
    const found = await waitUntil(
      async () => {
        const res = await world.ok<{ search: { hits: { product: { id: string } }[] } }>(
          c,
          '{ search(query: "desk lamp") { hits { product { id } } } }',
        );
        return res.search.hits.find((h) => h.product.id === 'lamp');
      },
      { timeoutMs: 30_000, what: 'the lamp in search' },
    );
    const before = await world.stock('lamp');
    await world.addToCart(c, found.product.id, 2);
    const placed = await place(c, CARDS.success);
    assert.equal(placed.totalCents, 2 * 2599, 'priced on the server');
    const o = await world.settled(c, placed.id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    assert.deepEqual(o.payment, { status: 'CAPTURED', capturedCents: 5198, refundedCents: 0 });
    assert.deepEqual(await world.stock('lamp'), {
      onHand: before.onHand - 2,
      reserved: before.reserved,
    });
    const shipment = await world.shipment(o.id);
    assert.equal(shipment?.status, 'ASSIGNED');
    assert.ok(shipment?.partner_id, 'a partner is assigned');
    assert.deepEqual(await world.providerCalls(o.id), { authorize: 1, capture: 1 });
    const cart = await world.ok<{ myCart: { items: unknown[] } }>(
      c,
      '{ myCart { items { quantity } } }',
    );
    assert.deepEqual(cart.myCart.items, [], 'the cart was emptied');

    const { orderNumber, trackingCode } = await references(c, o.id);
    const mails = assertOneEmailEach(await world.mailsTo(c, 2), [
      `Order ${orderNumber} confirmed`,
      `Nia NYC will deliver your order (${trackingCode})`,
    ]);
    const confirmed = mails.get(`Order ${orderNumber} confirmed`)!;
    assertInBothParts(
      confirmed,
      [
        orderNumber,
        'Brass desk lamp',
        '$25.99',
        '$51.98',
        'Ann Buyer',
        '1 Main St',
        'New York, NY 10001',
      ],
      'order confirmed',
    );
    // The text part spells out each line and the totals.
    for (const line of [
      'Brass desk lamp: 2 x $25.99 = $51.98',
      'Subtotal: $51.98',
      'Shipping: $0.00',
      'Total: $51.98',
    ])
      assert.ok(confirmed.text?.includes(line), `order confirmed: text has ${line}`);
  });

  it('a guest cart merged at login reports what it merged and what it dropped', async () => {
    // A guest: no token at all, only the cart token.
    const started = await world.gql<{ startGuestCart: string }>('mutation { startGuestCart }');
    const token = started.data?.startGuestCart;
    assert.ok(token, JSON.stringify(started));
    for (const [p, q] of [
      ['mug', 3],
      ['rare', 5],
    ] as const) {
      const added: GqlResult<unknown> = await world.gql(
        'mutation ($t: String, $p: ID!, $q: Int!) { addToCart(cartToken: $t, productId: $p, quantity: $q) { id } }',
        { t: token, p, q },
      );
      assert.equal(added.errors, undefined, JSON.stringify(added.errors));
    }
    const c = await shopper({ mug: 1 });
    const merged = await world.ok<{
      mergeGuestCart: {
        merged: { productId: string; requested: number; quantity: number }[];
        dropped: { productId: string; reason: string }[];
        cart: { items: { quantity: number; product: { id: string } }[] };
      };
    }>(
      c,
      `mutation ($t: String!) { mergeGuestCart(cartToken: $t) {
        merged { productId requested quantity } dropped { productId quantity reason }
        cart { items { quantity product { id } } } } }`,
      { t: token },
    );
    const report = merged.mergeGuestCart;
    assert.deepEqual(
      report.merged.find((l) => l.productId === 'mug'),
      { productId: 'mug', requested: 3, quantity: 3 },
    );
    // 5 rare records asked for, 1 in stock: capped (merged with less) or dropped, never silently.
    const rare = report.merged.find((l) => l.productId === 'rare');
    const rareDropped = report.dropped.find((l) => l.productId === 'rare');
    assert.ok(
      (rare !== undefined && rare.quantity < 5) || rareDropped !== undefined,
      JSON.stringify(report),
    );
    assert.equal(
      report.cart.items.find((i) => i.product.id === 'mug')?.quantity,
      4,
      'quantities added',
    );
  });

  it('a declined card → FAILED with the reason, stock back where it was, nothing charged; one order-failed email with the reason', async () => {
    const before = await world.stock('mug');
    const c = await shopper({ mug: 2 });
    const o = await world.settled(c, (await place(c, CARDS.declined)).id);
    assert.equal(o.status, 'FAILED');
    assert.match(o.failureReason ?? '', /declined/i);
    assert.deepEqual(await world.stock('mug'), before);
    assert.equal((await world.providerCalls(o.id)).capture ?? 0, 0, 'no charge');
    assert.notEqual(o.payment?.status, 'CAPTURED');

    const { orderNumber } = await references(c, o.id);
    const mails = assertOneEmailEach(await world.mailsTo(c, 1), [
      `Order ${orderNumber} could not be completed`,
    ]);
    assertInBothParts(
      mails.get(`Order ${orderNumber} could not be completed`)!,
      [orderNumber, o.failureReason!, 'The items we had set aside for you were released.'],
      'order failed',
    );
  });

  it('one line out of stock → FAILED (out of stock), nothing charged', async () => {
    // Orders refuses at placement a cart that catalog already shows short, so the shortage must
    // arise between placement and reservation: three customers race for the last record.
    await world.setStock('rare', 1);
    const mug = await world.stock('mug');
    const shoppers = await Promise.all([1, 2, 3].map(() => shopper({ mug: 1, rare: 1 })));
    const results = await Promise.all(shoppers.map((c) => world.placeOrder(c, CARDS.success)));
    const placed: { c: Customer; id: string }[] = [];
    results.forEach((r, i) => {
      if (r.data?.placeOrder !== undefined)
        placed.push({ c: shoppers[i]!, id: r.data.placeOrder.id });
      else assert.match(JSON.stringify(r.errors), /out of stock/, 'refused at placement');
    });
    const orders = await Promise.all(placed.map(({ c, id }) => world.settled(c, id)));
    const failed = orders.filter((o) => o.status === 'FAILED');
    assert.equal(orders.filter((o) => o.status === 'CONFIRMED').length, 1, 'one record to sell');
    assert.ok(failed.length >= 1, `no order was placed and then short: ${JSON.stringify(results)}`);
    for (const o of failed) {
      assert.match(o.failureReason ?? '', /out of stock/i);
      assert.deepEqual(await world.providerCalls(o.id), {}, 'the provider was never called');
      assert.notEqual(o.payment?.status, 'CAPTURED');
    }
    assert.deepEqual(await world.stock('rare'), { onHand: 0, reserved: 0 });
    assert.deepEqual(await world.stock('mug'), { onHand: mug.onHand - 1, reserved: mug.reserved });
  });

  it('no delivery partner can take it → FAILED, payment refunded, stock released; one order-failed email with the refund', async () => {
    const before = await world.stock('lamp');
    const c = await shopper({ lamp: 1 });
    const placed = await place(c, CARDS.success, { address: address('99501') });
    const o = await world.settled(c, placed.id);
    assert.equal(o.status, 'FAILED');
    assert.match(o.failureReason ?? '', /delivery partner/i);
    assert.deepEqual(o.payment, { status: 'REFUNDED', capturedCents: 2599, refundedCents: 2599 });
    assert.deepEqual(await world.providerCalls(o.id), { authorize: 1, capture: 1, refund: 1 });
    assert.deepEqual(await world.stock('lamp'), before);
    assert.deepEqual(await world.heldReservations([o.id]), []);

    const { orderNumber } = await references(c, o.id);
    const mails = assertOneEmailEach(await world.mailsTo(c, 1), [
      `Order ${orderNumber} could not be completed`,
    ]);
    assertInBothParts(
      mails.get(`Order ${orderNumber} could not be completed`)!,
      [orderNumber, o.failureReason!, 'Your payment was refunded in full.', '$25.99'],
      'order failed',
    );
  });

  it('cancel a confirmed order → CANCELLED, one refund, stock restored; 20 concurrent cancels → one refund, one cancellation email', async () => {
    const before = await world.stock('mug');
    const c = await shopper({ mug: 3 });
    const o = await world.settled(c, (await place(c, CARDS.success)).id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    assert.equal((await world.stock('mug')).onHand, before.onHand - 3);
    const cancels = await Promise.all(
      Array.from({ length: 20 }, () =>
        world.gql<{ cancelOrder: { status: string } }>(
          'mutation ($id: ID!) { cancelOrder(id: $id) { status } }',
          { id: o.id },
          c,
        ),
      ),
    );
    for (const r of cancels)
      assert.ok(
        r.errors === undefined
          ? ['CANCELLING', 'CANCELLED'].includes(r.data!.cancelOrder.status)
          : r.errors[0]?.extensions?.code === 'CONFLICT',
        JSON.stringify(r),
      );
    const done = await world.settled(c, o.id, ['CANCELLED']);
    assert.deepEqual(done.payment, {
      status: 'REFUNDED',
      capturedCents: 2697,
      refundedCents: 2697,
    });
    assert.equal((await world.providerCalls(o.id)).refund, 1, 'one refund at the provider');
    assert.deepEqual(await world.stock('mug'), before, 'stock restored');
    assert.equal((await world.shipment(o.id))?.status, 'CANCELLED');

    // Confirmed, assigned, then one cancellation email for the 20 requests.
    const { orderNumber, trackingCode } = await references(c, o.id);
    const mails = assertOneEmailEach(await world.mailsTo(c, 3), [
      `Order ${orderNumber} confirmed`,
      `Nia NYC will deliver your order (${trackingCode})`,
      `Order ${orderNumber} cancelled and refunded`,
    ]);
    assertInBothParts(
      mails.get(`Order ${orderNumber} cancelled and refunded`)!,
      [orderNumber, '$26.97', 'to your original payment method'],
      'order cancelled',
    );
  });

  it('the same idempotency key 5 times at once → one order, one charge, one confirmation email; with another address → CONFLICT', async () => {
    const c = await shopper({ lamp: 1 });
    const key = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => world.placeOrder(c, CARDS.success, { key })),
    );
    for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const ids = new Set(results.map((r) => r.data!.placeOrder.id));
    assert.equal(ids.size, 1, 'one order');
    const [id] = [...ids] as [string];
    const o = await world.settled(c, id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    assert.equal((await world.providerCalls(id)).capture, 1, 'one charge');
    const mine = await world.ok<{ myOrders: { nodes: { id: string }[] } }>(
      c,
      '{ myOrders { nodes { id } } }',
    );
    assert.deepEqual(
      mine.myOrders.nodes.map((n) => n.id),
      [id],
    );
    const other = await world.placeOrder(c, CARDS.success, { key, address: address('10002') });
    assert.equal(other.errors?.[0]?.extensions?.code, 'CONFLICT', JSON.stringify(other));

    const { orderNumber, trackingCode } = await references(c, id);
    assertOneEmailEach(await world.mailsTo(c, 2), [
      `Order ${orderNumber} confirmed`,
      `Nia NYC will deliver your order (${trackingCode})`,
    ]);
  });

  it("a client's price or quantity is refused or ignored; another customer's order cannot be touched", async () => {
    const alice = await shopper({ mug: 1 });
    // placeOrder takes no prices or lines: a price sent along is refused before any subgraph.
    const priced = await world.gql(
      `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      {
        input: {
          shippingAddress: address(),
          paymentMethod: CARDS.success,
          idempotencyKey: crypto.randomUUID(),
          totalCents: 1,
        },
      },
      alice,
    );
    assert.ok(priced.errors !== undefined && priced.data == null, JSON.stringify(priced));
    for (const q of [0, -1, 100_000]) {
      const bad = await world.gql(
        'mutation ($q: Int!) { addToCart(productId: "mug", quantity: $q) { id } }',
        { q },
        alice,
      );
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad));
    }
    const o = await place(alice, CARDS.success);
    assert.equal(o.totalCents, 899, "catalog's price, whatever the client sent");
    await world.settled(alice, o.id);

    const bob = await world.customer();
    assert.equal(await world.order(bob, o.id), null, "bob cannot read alice's order");
    const cancel = await world.gql<{ cancelOrder: unknown }>(
      'mutation ($id: ID!) { cancelOrder(id: $id) { id } }',
      { id: o.id },
      bob,
    );
    assert.ok(
      ['NOT_FOUND', 'FORBIDDEN'].includes(String(cancel.errors?.[0]?.extensions?.code)),
      JSON.stringify(cancel),
    );
    assert.equal((await world.order(alice, o.id))?.status, 'CONFIRMED', 'untouched');
    const bobCart = await world.ok<{ myCart: { items: unknown[] } }>(
      bob,
      '{ myCart { items { quantity } } }',
    );
    assert.deepEqual(bobCart.myCart.items, [], "bob's cart is his own");
    const fields = await world.gql(`{ order(id: "${o.id}") { ${ORDER_FIELDS} } }`, {}, bob);
    assert.doesNotMatch(JSON.stringify(fields), /CAPTURED/);
  });
});
