import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import { stockChangedV1, stockLowV1 } from '@shop/schema';
import { availableOf, stockChangeEvents, type StockLevel } from '../domain/stock.js';

/**
 * Writes the events of stock changes into the outbox, in the transaction of the change:
 * `catalog.stock-changed` for every product whose stock changed and `catalog.stock-low` when its
 * available stock crossed below its threshold. Keyed by product id, so one product's events keep
 * their order.
 */
export class StockEventWriter {
  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
  ) {}

  /** `before` and `after` of one product, both read or derived under its row lock. */
  async record(em: EntityManager, before: StockLevel, after: StockLevel): Promise<void> {
    const events = stockChangeEvents(before, after);
    const key = after.productId;
    const available = availableOf(after);
    if (events.changed)
      await this.outbox.add(em, stockChangedV1, {
        topic: this.topic,
        key,
        data: { productId: key, available, reserved: after.reserved, onHand: after.onHand },
      });
    if (events.becameLow)
      await this.outbox.add(em, stockLowV1, {
        topic: this.topic,
        key,
        data: {
          productId: key,
          available,
          onHand: after.onHand,
          reserved: after.reserved,
          threshold: after.lowStockThreshold,
        },
      });
  }
}
