import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const stockChangedDataV1 = z.object({
  productId: z.string().min(1),
  /** On hand minus reserved, after the change. */
  available: z.number().int(),
  reserved: z.number().int().nonnegative(),
  /** Units on the shelf after the change (added within version 1; older events lack it). */
  onHand: z.number().int().nonnegative().optional(),
});

/**
 * `catalog.stock-changed` version 1, on `catalog.events` keyed by product id: one per product
 * whose stock a reservation, release, commit or adjustment changed, in that change's transaction.
 */
export const stockChangedV1 = defineContract('catalog.stock-changed', 1, stockChangedDataV1);
export type StockChangedV1 = z.infer<typeof stockChangedDataV1>;
