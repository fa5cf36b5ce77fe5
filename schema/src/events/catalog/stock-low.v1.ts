import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const stockLowDataV1 = z.object({
  productId: z.string().min(1),
  /** On hand minus reserved, after the change that crossed the threshold. */
  available: z.number().int().nonnegative(),
  onHand: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  threshold: z.number().int().positive(),
  /**
   * The replenishment this crossing opened, absent when one was already open for the product (at
   * most one is). Added to version 1 as an optional field: older events lack it.
   */
  replenishmentId: z.string().uuid().optional(),
});

/**
 * `catalog.stock-low` version 1, on `catalog.events` keyed by product id: available stock fell
 * below the product's low-stock threshold. Published once per crossing (it was at or above the
 * threshold before the change), in the transaction of the change; the replenishment saga starts
 * from one that carries a `replenishmentId`.
 */
export const stockLowV1 = defineContract('catalog.stock-low', 1, stockLowDataV1);
export type StockLowV1 = z.infer<typeof stockLowDataV1>;
