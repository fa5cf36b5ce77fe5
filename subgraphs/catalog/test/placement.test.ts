// A purchase order placed with a supplier whose placement transaction then never commits (a crash,
// a rollback): the resend must go to the same supplier, whatever an operator named meanwhile, or
// one idempotency key would order from two suppliers. Real MariaDB, catalog's own services.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Outbox } from '@shop/messaging';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import { TestStack } from '@shop/testing';
import { ReplenishmentRepository } from '../src/persistence/replenishment.repository.js';
import { StockRepository } from '../src/persistence/stock.repository.js';
import { ReplenishmentSteps } from '../src/service/replenishment-steps.service.js';
import { StockEventWriter } from '../src/service/stock-events.js';
import type { PlaceOrderAnswer, SupplierPort } from '../src/service/supplier-port.js';
import { openStockWorld, type StockWorld } from './stock-world.js';

describe('placing a purchase order across a lost transaction', () => {
  const stack = new TestStack('placement');
  let world: StockWorld;

  before(async () => {
    world = await openStockWorld(stack, { GOODS_INWARD_POLL_MS: '3600000' });
  });
  after(async () => {
    await world?.close();
  });

  it('a resend after the supplier took the order and the transaction was lost calls the same supplier', async () => {
    const productId = 'placement-1';
    await world.setStock(productId, 0, 5, 'acme');
    const id = crypto.randomUUID();
    await world.rows(
      `INSERT INTO replenishment (id, product_id, supplier, status, ordered, open_product_id)
       VALUES (?, ?, 'acme', 'ORDERING', 10, ?)`,
      [id, productId, productId],
    );
    const calls: string[] = [];
    const supplier: SupplierPort = {
      placeOrder: (request): Promise<PlaceOrderAnswer> => {
        calls.push(`${request.supplier}:${request.idempotencyKey}`);
        return Promise.resolve({
          ok: true,
          supplierOrderId: `${request.supplier}-po`,
          placedAt: new Date(),
        });
      },
      deliveries: () => Promise.resolve([]),
    };
    const orm = world.app.stock.orm;
    const repo = new ReplenishmentRepository();
    const events = new StockEventWriter(new Outbox('catalog'), world.eventsTopic, repo);
    const steps = new ReplenishmentSteps(orm, repo, new StockRepository(), events, supplier);
    // The supplier takes the order; the process dies before the placement commits.
    await assert.rejects(
      runTransaction(orm, async (em) => {
        await steps.placeOrderWithin(em, id);
        throw new Error('killed before commit');
      }),
      /killed before commit/,
    );
    // An operator names another supplier meanwhile; the command is redelivered.
    await world.rows("UPDATE stock SET supplier = 'globex' WHERE product_id = ?", [productId]);
    const again = await runTransaction(orm, (em) => steps.placeOrderWithin(em, id));
    assert.equal(again.outcome, 'done');
    assert.deepEqual(calls, [`acme:${id}`, `acme:${id}`], 'one supplier, one key');
    const [row] = await world.rows<{
      supplier: string;
      supplier_order_id: string;
      placement_uncertain: number;
    }>('SELECT supplier, supplier_order_id, placement_uncertain FROM replenishment WHERE id = ?', [
      id,
    ]);
    assert.deepEqual(
      [row!.supplier, row!.supplier_order_id, row!.placement_uncertain],
      ['acme', 'acme-po', 0],
    );
  });
});
