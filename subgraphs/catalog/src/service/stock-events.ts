import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import { stockChangedV1, stockLowV1 } from '@shop/schema';
import { planOpening } from '../domain/replenishment.js';
import { availableOf, stockChangeEvents, type StockLevel } from '../domain/stock.js';
import type { ReplenishmentRepository } from '../persistence/replenishment.repository.js';

/**
 * Writes the events of stock changes into the outbox, in the transaction of the change:
 * `catalog.stock-changed` for every product whose stock changed and `catalog.stock-low` when its
 * available stock crossed below its threshold, together with the replenishment that crossing
 * opens. Keyed by product id, so one product's events keep their order.
 */
export class StockEventWriter {
  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly replenishments: ReplenishmentRepository,
  ) {}

  /** `before` and `after` of one product, both read or derived under its row lock. */
  async record(em: EntityManager, before: StockLevel, after: StockLevel): Promise<void> {
    const events = stockChangeEvents(before, after);
    const key = after.productId;
    if (events.changed)
      await this.outbox.add(em, stockChangedV1, {
        topic: this.topic,
        key,
        data: {
          productId: key,
          available: availableOf(after),
          reserved: after.reserved,
          onHand: after.onHand,
        },
      });
    if (events.becameLow) await this.stockLow(em, after, await this.openIfNone(em, after));
  }

  /**
   * For a product whose replenishment just closed: when its stock is still low, opens the next
   * one at once and writes `catalog.stock-low` naming it (no crossing will come to do it).
   */
  async reopenIfLow(em: EntityManager, level: StockLevel): Promise<string | undefined> {
    const replenishmentId = await this.openIfNone(em, level);
    if (replenishmentId !== undefined) await this.stockLow(em, level, replenishmentId);
    return replenishmentId;
  }

  /**
   * Opens a replenishment for a product whose stock is low at `level`, unless one is open; its id,
   * or undefined. The caller holds the product's stock row lock (every stock-changing transaction
   * takes it before calling `record`, and closing a replenishment takes it before the
   * replenishment), so the openers and closers of one product's replenishments run one at a time;
   * the unique `open_product_id` makes a second open one impossible even without that lock.
   */
  private async openIfNone(em: EntityManager, level: StockLevel): Promise<string | undefined> {
    const plan = planOpening(level);
    return plan.open
      ? this.replenishments.openIfNone(em, level.productId, plan.ordered)
      : undefined;
  }

  private async stockLow(
    em: EntityManager,
    level: StockLevel,
    replenishmentId: string | undefined,
  ): Promise<void> {
    await this.outbox.add(em, stockLowV1, {
      topic: this.topic,
      key: level.productId,
      data: {
        productId: level.productId,
        available: availableOf(level),
        onHand: level.onHand,
        reserved: level.reserved,
        threshold: level.lowStockThreshold,
        ...(replenishmentId === undefined ? {} : { replenishmentId }),
      },
    });
  }
}
