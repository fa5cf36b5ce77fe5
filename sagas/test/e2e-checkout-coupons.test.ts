// Checkout with a coupon and store credit, end to end through the gateway: the real users,
// catalog, cart, orders and delivery subgraphs and the saga orchestrator as processes on the
// local stack. Users redeems the coupon and debits the credit as place-order saga steps; these
// tests read users' and orders' databases for what moved, not only what the API says.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack } from '@shop/testing';
import { address, CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';

interface PricedOrder {
  id: string;
  status: string;
  failureReason: string | null;
  subtotalCents: number;
  discountCents: number;
  couponCode: string | null;
  creditCents: number;
  totalCents: number;
  payment: { status: string; capturedCents: number; refundedCents: number } | null;
}

const PRICED_FIELDS =
  'id status failureReason subtotalCents discountCents couponCode creditCents totalCents payment { status capturedCents refundedCents }';

const ALREADY_USED = /^This coupon has already been used\./;

describe('checkout with a coupon and store credit: gateway, five subgraphs, orchestrator', () => {
  const stack = new TestStack('e2ecp');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack);
    await world.products([
      { id: 'lamp', title: 'Brass desk lamp', priceCents: 2599, stock: 1000 },
      { id: 'mug', title: 'Stoneware mug', priceCents: 899, stock: 1000 },
    ]);
  });
  after(async () => {
    await world?.close();
  });

  /** A customer with `creditCents` of store credit and one 10 %-off coupon of its own. */
  const customerWithCoupon = async (
    creditCents: number,
  ): Promise<{ c: Customer; code: string; couponId: string }> => {
    const c = await world.customer();
    if (creditCents > 0)
      await world.ok(
        undefined,
        'mutation ($input: CreditAdjustmentInput!) { grantCredit(input: $input) { seq } }',
        { input: { userId: c.userId, amountCents: creditCents, reason: 'checkout test' } },
      );
    const issued = await world.ok<{ issueCoupon: { id: string; code: string } }>(
      undefined,
      'mutation ($input: IssueCouponInput!) { issueCoupon(input: $input) { id code } }',
      {
        input: {
          userId: c.userId,
          percentOff: 10,
          minOrderCents: 1000,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      },
    );
    return { c, code: issued.issueCoupon.code, couponId: issued.issueCoupon.id };
  };

  const placeWith = (
    c: Customer,
    card: string,
    extra: { couponCode?: string; creditCents?: number; key?: string },
  ) =>
    world.gql<{ placeOrder: PricedOrder }>(
      `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${PRICED_FIELDS} } }`,
      {
        input: {
          shippingAddress: address(),
          paymentMethod: card,
          idempotencyKey: extra.key ?? crypto.randomUUID(),
          ...(extra.couponCode === undefined ? {} : { couponCode: extra.couponCode }),
          ...(extra.creditCents === undefined ? {} : { creditCents: extra.creditCents }),
        },
      },
      c,
    );

  const priced = async (c: Customer, id: string): Promise<PricedOrder> =>
    (
      await world.ok<{ order: PricedOrder }>(
        c,
        `query ($id: ID!) { order(id: $id) { ${PRICED_FIELDS} } }`,
        { id },
      )
    ).order;

  const settle = async (c: Customer, id: string, statuses = ['CONFIRMED', 'FAILED']) => {
    await world.settled(c, id, statuses);
    return priced(c, id);
  };

  const coupon = async (id: string) => {
    const [row] = await world.rows<{ status: string; redeemed_order_id: string | null }>(
      'users',
      'SELECT status, redeemed_order_id FROM coupons WHERE id = ?',
      [id],
    );
    return row;
  };

  /** The order's entries in the customer's credit ledger: kind and signed amount, in order. */
  const ledger = async (orderId: string) =>
    (
      await world.rows<{ kind: string; amount_cents: number | string }>(
        'users',
        'SELECT kind, amount_cents FROM credit_ledger_entries WHERE order_id = ? ORDER BY seq',
        [orderId],
      )
    ).map((r) => `${r.kind} ${Number(r.amount_cents)}`);

  it('coupon and credit → the discounted total is computed on the server and captured', async () => {
    const { c, code, couponId } = await customerWithCoupon(1000);
    await world.addToCart(c, 'lamp', 2); // 5198
    const res = await placeWith(c, CARDS.success, {
      couponCode: code.toLowerCase(),
      creditCents: 1000,
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const placed = res.data!.placeOrder;
    assert.equal(placed.subtotalCents, 5198);
    assert.equal(placed.couponCode, code, 'kept as entered, upper case');
    const o = await settle(c, placed.id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    // 10 % of 5198 rounds down to 519; the credit pays 1000 of the rest.
    assert.deepEqual(
      { discount: o.discountCents, credit: o.creditCents, total: o.totalCents },
      { discount: 519, credit: 1000, total: 5198 - 519 - 1000 },
    );
    assert.deepEqual(o.payment, { status: 'CAPTURED', capturedCents: 3679, refundedCents: 0 });
    assert.deepEqual(await coupon(couponId), { status: 'REDEEMED', redeemed_order_id: o.id });
    assert.deepEqual(await ledger(o.id), ['DEBIT -1000']);
  });

  it('validates coupon and credit at the edge, and counts them in the idempotency key', async () => {
    const { c, code } = await customerWithCoupon(0);
    await world.addToCart(c, 'mug', 2);
    const bad = await placeWith(c, CARDS.success, { creditCents: -1, couponCode: 'no;pe' });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors[0].message, /creditCents must be a whole number of cents/);
    assert.match(bad.errors[0].message, /couponCode must be a coupon code/);
    const key = crypto.randomUUID();
    const first = await placeWith(c, CARDS.success, { couponCode: code, key });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const replay = await placeWith(c, CARDS.success, { couponCode: code, key });
    assert.equal(replay.data?.placeOrder.id, first.data!.placeOrder.id, 'same input: replay');
    for (const other of [
      { couponCode: 'AAAA-BBBB-CCCC-DDDD' },
      {},
      { couponCode: code, creditCents: 1 },
    ]) {
      const conflict = await placeWith(c, CARDS.success, { ...other, key });
      assert.equal(conflict.errors?.[0]?.extensions?.code, 'CONFLICT', JSON.stringify(other));
    }
    await settle(c, first.data!.placeOrder.id);
  });

  it('a declined card → FAILED, the coupon usable again and the credit given back', async () => {
    const { c, code, couponId } = await customerWithCoupon(700);
    await world.addToCart(c, 'lamp', 1);
    const res = await placeWith(c, CARDS.declined, { couponCode: code, creditCents: 700 });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const o = await settle(c, res.data!.placeOrder.id);
    assert.equal(o.status, 'FAILED');
    assert.match(o.failureReason ?? '', /declined/i);
    assert.deepEqual(await coupon(couponId), { status: 'ACTIVE', redeemed_order_id: null });
    assert.deepEqual(await ledger(o.id), ['DEBIT -700', 'GIVE_BACK 700']);
    // Usable again: the same coupon and credit on a new order go through.
    await world.addToCart(c, 'lamp', 1);
    const again = await placeWith(c, CARDS.success, { couponCode: code, creditCents: 700 });
    const ok = await settle(c, again.data!.placeOrder.id);
    assert.equal(ok.status, 'CONFIRMED', ok.failureReason ?? '');
    assert.equal(ok.totalCents, 2599 - 259 - 700);
  });

  it('credit and coupon covering the whole order → CONFIRMED with nothing charged', async () => {
    const { c, code, couponId } = await customerWithCoupon(5000);
    await world.addToCart(c, 'mug', 2); // 1798
    const res = await placeWith(c, CARDS.success, { couponCode: code, creditCents: 5000 });
    const o = await settle(c, res.data!.placeOrder.id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    assert.deepEqual(
      { discount: o.discountCents, credit: o.creditCents, total: o.totalCents },
      { discount: 179, credit: 1619, total: 0 },
    );
    assert.deepEqual(await world.providerCalls(o.id), {}, 'nothing asked of the provider');
    assert.equal((await coupon(couponId))?.status, 'REDEEMED');
    assert.deepEqual(await ledger(o.id), ['DEBIT -1619'], 'only what the order cost');
  });

  it('a cancelled order gives the coupon and the credit back, and refunds the rest', async () => {
    const { c, code, couponId } = await customerWithCoupon(500);
    await world.addToCart(c, 'lamp', 1);
    const res = await placeWith(c, CARDS.success, { couponCode: code, creditCents: 500 });
    const o = await settle(c, res.data!.placeOrder.id);
    assert.equal(o.status, 'CONFIRMED', o.failureReason ?? '');
    await world.ok(c, 'mutation ($id: ID!) { cancelOrder(id: $id) { id } }', { id: o.id });
    const cancelled = await settle(c, o.id, ['CANCELLED']);
    assert.deepEqual(cancelled.payment, {
      status: 'REFUNDED',
      capturedCents: 2599 - 259 - 500,
      refundedCents: 2599 - 259 - 500,
    });
    assert.deepEqual(await coupon(couponId), { status: 'ACTIVE', redeemed_order_id: null });
    assert.deepEqual(await ledger(o.id), ['DEBIT -500', 'GIVE_BACK 500']);
  });

  it('one single-use coupon in 50 concurrent checkouts by its owner → exactly one order gets it', async () => {
    const { c, code, couponId } = await customerWithCoupon(0);
    await world.addToCart(c, 'mug', 2);
    // 50 placements at once, each its own key, from the owner's one cart. Placement clears the
    // cart after it commits, unless the cart changed meanwhile: adding to it all through the burst
    // keeps it filled, so most placements find lines (one that finds it empty is refused).
    let placing = true;
    const filler = (async () => {
      // A refused add (a per-line cap) only means the cart is full enough.
      while (placing) await world.addToCart(c, 'mug', 1).catch(() => undefined);
    })();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => placeWith(c, CARDS.success, { couponCode: code })),
    ).finally(() => {
      placing = false;
    });
    await filler;
    const placed = results.flatMap((r) => (r.data?.placeOrder ? [r.data.placeOrder.id] : []));
    for (const r of results)
      if (r.data?.placeOrder === undefined)
        assert.match(JSON.stringify(r.errors), /cart is empty/, JSON.stringify(r.errors));
    assert.ok(placed.length >= 10, `${placed.length} orders placed: too few to prove the race`);
    const views = await world.settledAll(placed.map((id) => ({ c, id })));
    const orders = await Promise.all(views.map((v) => priced(c, v.id)));
    const winners = orders.filter((o) => o.status === 'CONFIRMED');
    assert.equal(winners.length, 1, JSON.stringify(orders.map((o) => o.status)));
    assert.equal(winners[0]!.discountCents, Math.floor(winners[0]!.subtotalCents / 10));
    for (const o of orders.filter((x) => x.status !== 'CONFIRMED')) {
      assert.equal(o.status, 'FAILED');
      assert.match(o.failureReason ?? '', ALREADY_USED);
      assert.equal(o.discountCents, 0);
    }
    assert.deepEqual(await coupon(couponId), {
      status: 'REDEEMED',
      redeemed_order_id: winners[0]!.id,
    });
    // Raw: users' participant log holds one succeeded redeem among all the orders' sagas.
    const [redeemed] = await world.rows<{ n: number | string }>(
      'users',
      `SELECT COUNT(*) AS n FROM saga_participant_log
       WHERE step = 1 AND action = 'execute' AND outcome = 'succeeded' AND saga_id IN (?)`,
      [placed.map((id) => `po:${id}`)],
    );
    assert.equal(Number(redeemed?.n), 1, 'one redemption');
    console.log(`# 50 concurrent checkouts: ${placed.length} orders placed, 1 redeemed the coupon`);
  });
});
