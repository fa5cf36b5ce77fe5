import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

/** One product and how many units of it an order holds. */
export const stockLineV1 = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().positive(),
});
export type StockLineV1 = z.infer<typeof stockLineV1>;

export const reserveStockPayloadV1 = z.object({
  /** The reservation's identity: reserving the same order again reserves once. */
  orderId: z.string().min(1).max(64),
  lines: z.array(stockLineV1).min(1).max(100),
});
export type ReserveStockV1 = z.infer<typeof reserveStockPayloadV1>;

/**
 * Saga command `catalog.reserve-stock` version 1, handled by the `catalog` participant: holds
 * every line or none. A refusal (`failed`) names each short product, e.g.
 * `out of stock: p-1 wants 3, 1 available`; the compensation is `catalog.release-stock`.
 */
export const reserveStockV1 = defineSagaCommand('catalog.reserve-stock', 1, reserveStockPayloadV1);

/** The `result` of a succeeded `catalog.reserve-stock` reply (merged into the saga data). */
export const reserveStockResultV1 = z.object({
  /** Units held for the order, over all lines. */
  reservedUnits: z.number().int().positive(),
});
export type ReserveStockResultV1 = z.infer<typeof reserveStockResultV1>;
