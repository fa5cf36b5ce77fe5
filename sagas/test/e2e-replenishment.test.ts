// Inventory replenishment end to end (issue 14 point 4): checkouts through the gateway drive a
// product's stock below its threshold; catalog opens one replenishment, the orchestrator runs the
// replenish-stock saga, catalog places the purchase order with the simulated supplier, receives
// the goods and raises the stock; escalations reach the admins' query and the operations mailbox.
// Real processes (gateway, five subgraphs, orchestrator, notification worker) on the local stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil } from '@shop/testing';
import { CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';
import {
  OPS_EMAIL,
  REPLENISHMENT_FIELDS,
  replenishmentsOf,
  setSupply,
  type ReplenishmentView,
} from './e2e/replenishment-support.js';

describe('inventory replenishment end to end', () => {
  const stack = new TestStack('e2erep');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack, { notifications: true });
  });
  after(async () => {
    await world?.close();
  });

  /** Buys `quantity` of the product through the gateway and waits until the order settled. */
  const buy = async (productId: string, quantity: number): Promise<Customer> => {
    const c = await world.customer();
    await world.addToCart(c, productId, quantity);
    const res = await world.placeOrder(c, CARDS.success);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const order = await world.settled(c, res.data!.placeOrder.id);
    assert.equal(order.status, 'CONFIRMED', order.failureReason ?? '');
    return c;
  };

  /** The product's only replenishment once `done` holds for it. */
  const replenishment = (
    productId: string,
    done: (r: ReplenishmentView) => boolean,
    what: string,
  ): Promise<ReplenishmentView> =>
    waitUntil(
      async () => {
        const all = await replenishmentsOf(world, productId);
        assert.ok(all.length <= 1, `one replenishment for ${productId}: ${JSON.stringify(all)}`);
        return all[0] !== undefined && done(all[0]) ? all[0] : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what },
    );

  it('a checkout that sells a product out opens one replenishment; the goods raise the stock and search finds it in stock again', async () => {
    await world.products([{ id: 'kettle', title: 'Copper kettle', priceCents: 3900, stock: 6 }]);
    await setSupply(world, 'kettle', { lowStockThreshold: 5 });
    await buy('kettle', 6);
    const done = await replenishment(
      'kettle',
      (r) => r.status === 'RECEIVED' && !r.open,
      'kettle restocked and closed',
    );
    // Sold out by the order (available 0 < 5): enough ordered for twice the threshold.
    assert.deepEqual(
      { ordered: done.ordered, received: done.received, stocked: done.stocked },
      { ordered: 10, received: 10, stocked: 10 },
    );
    assert.equal(done.outstanding, 0);
    assert.equal(done.attention, null);
    assert.ok(done.supplierOrderId, 'the supplier order is recorded');
    assert.deepEqual(await world.stock('kettle'), { onHand: 10, reserved: 0 });
    // The indexer saw the stock change: the in-stock filter finds it again.
    await waitUntil(
      async () => {
        const res = await world.ok<{ search: { hits: { product: { id: string } }[] } }>(
          undefined,
          '{ search(query: "copper kettle", filters: { inStock: true }) { hits { product { id } } } }',
        );
        return res.search.hits.some((h) => h.product.id === 'kettle') || undefined;
      },
      { timeoutMs: 30_000, what: 'the kettle in stock in search' },
    );
    const sagas = await world.rows<{ status: string; n: number | string }>(
      'sagas',
      "SELECT status, COUNT(*) AS n FROM saga_instance WHERE type = 'replenish-stock' AND JSON_VALUE(data, '$.productId') = ? GROUP BY status",
      ['kettle'],
    );
    assert.deepEqual(
      sagas.map((s) => [s.status, Number(s.n)]),
      [['COMPLETED', 1]],
    );
    // A closed replenishment has nothing to retry.
    const retry = await world.gql(
      'mutation ($id: ID!) { retryReplenishment(id: $id) { id } }',
      { id: done.id },
      { token: world.adminToken },
    );
    assert.equal(retry.errors?.[0]?.extensions?.code, 'CONFLICT');
  });

  it('a supplier that refuses escalates: the admins see why, operations get an email, a retry asks once more', async () => {
    await world.products([{ id: 'globe', title: 'Desk globe', priceCents: 5900, stock: 3 }]);
    await setSupply(world, 'globe', { lowStockThreshold: 3, supplier: 'sim-refuses' });
    await buy('globe', 1);
    const parked = await replenishment(
      'globe',
      (r) => r.attention !== null,
      'the refused replenishment flagged',
    );
    assert.match(parked.attention ?? '', /refused/);
    assert.equal(parked.attentionStep, 'place-purchase-order');
    const { replenishments: flagged } = await world.ok<{ replenishments: ReplenishmentView[] }>(
      undefined,
      `{ replenishments(filter: NEEDS_ATTENTION) { ${REPLENISHMENT_FIELDS} } }`,
    );
    assert.ok(flagged.some((r) => r.id === parked.id));
    const opsMail = async (count: number) =>
      waitUntil(
        async () => {
          const mails = (await stack.mailbox.to(OPS_EMAIL)).filter((m) =>
            `${m.subject}\n${m.text}`.includes(parked.id),
          );
          return mails.length >= count ? mails : undefined;
        },
        { timeoutMs: 60_000, what: `${count} operations email(s) about ${parked.id}` },
      );
    const [first] = await opsMail(1);
    assert.match(first!.subject, /replenish-stock/);
    assert.match(first!.text ?? '', /refused/);

    // A customer cannot see or retry replenishments.
    const shopper = await world.customer();
    const denied = await world.gql(
      'mutation ($id: ID!) { retryReplenishment(id: $id) { id } }',
      { id: parked.id },
      shopper,
    );
    assert.ok(denied.errors?.length, 'a customer is refused');

    const retried = await world.ok<{ retryReplenishment: ReplenishmentView }>(
      undefined,
      `mutation ($id: ID!) { retryReplenishment(id: $id) { ${REPLENISHMENT_FIELDS} } }`,
      { id: parked.id },
    );
    assert.equal(retried.retryReplenishment.attention, null);
    // Still refused: parked again, flagged again, a second email.
    await replenishment('globe', (r) => r.attention !== null, 'the retried replenishment flagged');
    await opsMail(2);
    const [saga] = await world.rows<{ history: string }>(
      'sagas',
      'SELECT history FROM saga_instance WHERE id = ?',
      [`replenish-${parked.id}`],
    );
    const history = JSON.parse(saga!.history) as { event: string; attempt?: number }[];
    assert.equal(history.filter((h) => h.event === 'sent').length, 2, 'the retry sent once');
    // An unknown id is NOT_FOUND.
    const again = await world.gql(
      'mutation ($id: ID!) { retryReplenishment(id: $id) { id } }',
      { id: crypto.randomUUID() },
      { token: world.adminToken },
    );
    assert.equal(again.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  it('a partial delivery raises the stock by what arrived and keeps the rest open until it comes', async () => {
    await world.products([{ id: 'easel', title: 'Oak easel', priceCents: 7900, stock: 5 }]);
    await setSupply(world, 'easel', { lowStockThreshold: 5, supplier: 'sim-partial' });
    await buy('easel', 1);
    const done = await replenishment(
      'easel',
      (r) => r.status === 'RECEIVED' && !r.open,
      'easel restocked and closed',
    );
    // available 4 < 5: 6 ordered, in two deliveries.
    assert.equal(done.ordered, 6);
    assert.equal(done.stocked, 6);
    assert.deepEqual(await world.stock('easel'), { onHand: 10, reserved: 0 });
    const receipts = await world.rows<{
      quantity: number;
      received_at: Date;
      stocked_at: Date | null;
    }>(
      'catalog',
      'SELECT quantity, received_at, stocked_at FROM goods_receipt WHERE replenishment_id = ? ORDER BY received_at',
      [done.id],
    );
    assert.equal(receipts.length, 2, JSON.stringify(receipts));
    assert.ok(receipts[0]!.quantity > 0 && receipts[0]!.quantity < 6);
    assert.equal(receipts[0]!.quantity + receipts[1]!.quantity, 6);
    // The first delivery was in stock before the rest arrived: it did not wait for the rest.
    assert.ok(receipts[0]!.stocked_at !== null);
    assert.ok(
      receipts[0]!.stocked_at <= receipts[1]!.received_at,
      `first stocked ${String(receipts[0]!.stocked_at)}, rest arrived ${String(receipts[1]!.received_at)}`,
    );
  });
});
