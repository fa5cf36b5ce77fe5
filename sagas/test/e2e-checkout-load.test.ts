// 100 customers check out at once against 30 units, end to end through the gateway.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack } from '@shop/testing';
import { CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';

const CUSTOMERS = 100;
const STOCK = 30;

describe('checkout end to end under contention', () => {
  const stack = new TestStack('e2eload');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack);
    await world.products([
      { id: 'hot', title: 'Limited sneaker', priceCents: 12_000, stock: STOCK },
    ]);
  });
  after(async () => {
    await world?.close();
  });

  it('100 concurrent customers against stock 30 → exactly 30 CONFIRMED, 70 FAILED out of stock, stock 0, failed charges refunded', async (t) => {
    const customers: Customer[] = await world.customers(CUSTOMERS);
    await Promise.all(customers.map((c) => world.addToCart(c, 'hot', 1)));
    const placed = await Promise.all(
      customers.map(async (c) => {
        const res = await world.placeOrder(c, CARDS.success);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return { c, id: res.data!.placeOrder.id };
      }),
    );
    const orders = await world.settledAll(placed);
    const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
    const failed = orders.filter((o) => o.status === 'FAILED');
    t.diagnostic(`confirmed ${confirmed.length}, failed ${failed.length}`);
    assert.equal(confirmed.length, STOCK);
    assert.equal(failed.length, CUSTOMERS - STOCK);
    for (const o of failed) assert.match(o.failureReason ?? '', /out of stock/i, o.id);
    assert.deepEqual(await world.stock('hot'), { onHand: 0, reserved: 0 });
    assert.deepEqual(await world.heldReservations(orders.map((o) => o.id)), []);
    for (const o of confirmed) {
      assert.deepEqual(await world.providerCalls(o.id), { authorize: 1, capture: 1 }, o.id);
      assert.equal(o.payment?.status, 'CAPTURED');
    }
    // A failed order's capture (if the reservation lost the race after a charge) is refunded.
    for (const o of failed) {
      const calls = await world.providerCalls(o.id);
      assert.equal(calls.capture ?? 0, calls.refund ?? 0, `order ${o.id} left charged`);
      assert.notEqual(o.payment?.status, 'CAPTURED', o.id);
    }
  });
});
