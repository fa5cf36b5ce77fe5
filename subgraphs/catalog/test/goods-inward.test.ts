// Goods inward's rounds against the real MariaDB: orders whose goods never come cannot keep newer
// ones from being asked about (rounds take the longest unpolled first), and a supplier that hangs
// costs its own deadline, not the round's other calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Outbox } from '@shop/messaging';
import { createLogger } from '@shop/platform';
import { TestStack } from '@shop/testing';
import { ReplenishmentRepository } from '../src/persistence/replenishment.repository.js';
import { GoodsInward } from '../src/service/goods-inward.service.js';
import type { Delivery, SupplierOrder, SupplierPort } from '../src/service/supplier-port.js';
import { openStockWorld, type StockWorld } from './stock-world.js';

describe('goods inward rounds', () => {
  const stack = new TestStack('inward');
  let world: StockWorld;

  before(async () => {
    // The process's own poller waits an hour: only this test's rounds run.
    world = await openStockWorld(stack, { GOODS_INWARD_POLL_MS: '3600000' });
  });
  after(async () => {
    await world?.close();
  });

  it('reaches a newer order behind a full batch of orders whose supplier hangs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const productId = `inward-${i}`;
      await world.setStock(productId, 0, 5, 'acme');
      const id = crypto.randomUUID();
      ids.push(id);
      await world.rows(
        `INSERT INTO replenishment
           (id, product_id, supplier, status, ordered, supplier_order_id, placed_at, open_product_id, created_at)
         VALUES (?, ?, 'acme', 'ORDERED', 10, ?, NOW(3), ?, NOW(3) + INTERVAL ? SECOND)`,
        [id, productId, `po-${i}`, productId, i],
      );
    }
    const asked: string[][] = [];
    let round: string[] = [];
    const supplier: SupplierPort = {
      placeOrder: () => Promise.reject(new Error('not in this test')),
      // The two oldest orders' supplier never answers (ignoring its signal); the newest delivered.
      deliveries: (order: SupplierOrder): Promise<Delivery[]> => {
        const id = ids[Number(order.supplierOrderId.slice('po-'.length))]!;
        round.push(id);
        return id === ids[2]
          ? Promise.resolve([{ deliveryId: 'd-1', quantity: 10, arrivedAt: new Date() }])
          : new Promise<Delivery[]>(() => undefined);
      },
    };
    const inward = new GoodsInward({
      orm: world.app.stock.orm,
      repo: new ReplenishmentRepository(),
      supplier,
      outbox: new Outbox('catalog'),
      topic: world.eventsTopic,
      logger: createLogger('goods-inward-test', 'silent'),
      batchSize: 2,
      concurrency: 2,
      callTimeoutMs: 200,
    });
    for (let r = 0; r < 2; r++) {
      round = [];
      await inward.pollOnce();
      asked.push(round);
    }
    // Round 1: the two oldest (never polled, oldest first); round 2: the newest, never polled.
    assert.deepEqual(asked[0]!.toSorted(), [ids[0], ids[1]].toSorted());
    assert.ok(asked[1]!.includes(ids[2]!), `round 2 asked ${JSON.stringify(asked[1])}`);
    const [newest] = await world.rows<{ received: number }>(
      'SELECT received FROM replenishment WHERE id = ?',
      [ids[2]],
    );
    assert.equal(newest!.received, 10);
  });

  it('books what a hostile supplier reports only within the order, each delivery on its own', async () => {
    const productId = 'inward-hostile';
    await world.setStock(productId, 0, 5, 'acme');
    const id = crypto.randomUUID();
    await world.rows(
      `INSERT INTO replenishment
         (id, product_id, supplier, status, ordered, supplier_order_id, placed_at, open_product_id)
       VALUES (?, ?, 'acme', 'ORDERED', 10, 'po-hostile', NOW(3), ?)`,
      [id, productId, productId],
    );
    const now = new Date();
    const supplier: SupplierPort = {
      placeOrder: () => Promise.reject(new Error('not in this test')),
      deliveries: () =>
        Promise.resolve([
          { deliveryId: 'bad-date', quantity: 1, arrivedAt: new Date('not a date') },
          { deliveryId: 'D-1', quantity: 4, arrivedAt: now },
          // Another delivery, not D-1 again: ids compare exactly.
          { deliveryId: 'd-1', quantity: 3, arrivedAt: now },
          // More than the 3 still outstanding (and more than a column holds): 3 are booked.
          { deliveryId: 'huge', quantity: 3_000_000_000, arrivedAt: now },
          { deliveryId: 'after', quantity: 2, arrivedAt: now },
        ]),
    };
    const inward = new GoodsInward({
      orm: world.app.stock.orm,
      repo: new ReplenishmentRepository(),
      supplier,
      outbox: new Outbox('catalog'),
      topic: world.eventsTopic,
      logger: createLogger('goods-inward-test', 'silent'),
      batchSize: 50,
    });
    await inward.pollOnce();
    await inward.pollOnce();
    const receipts = await world.rows<{ delivery_id: string; quantity: number }>(
      'SELECT delivery_id, quantity FROM goods_receipt WHERE replenishment_id = ? ORDER BY delivery_id COLLATE utf8mb4_bin',
      [id],
    );
    assert.deepEqual(
      receipts.map((r) => [r.delivery_id, r.quantity]),
      [
        ['D-1', 4],
        ['d-1', 3],
        ['huge', 3],
      ],
    );
    const [r] = await world.rows<{ received: number }>(
      'SELECT received FROM replenishment WHERE id = ?',
      [id],
    );
    assert.equal(r!.received, 10);
  });
});
