import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const releaseStockPayloadV1 = z.object({
  orderId: z.string().min(1).max(64),
});
export type ReleaseStockV1 = z.infer<typeof releaseStockPayloadV1>;

/**
 * Saga command `catalog.release-stock` version 1: gives back what the order holds, once; an order
 * that holds nothing is a no-op success; an order whose stock was already committed (sold) is
 * refused, since release would put sold units back on the shelf.
 */
export const releaseStockV1 = defineSagaCommand('catalog.release-stock', 1, releaseStockPayloadV1);

/** The `result` of a succeeded `catalog.release-stock` reply. */
export const releaseStockResultV1 = z.object({
  /** Units this command gave back; 0 when a previous release already did, or nothing was held. */
  releasedUnits: z.number().int().nonnegative(),
});
export type ReleaseStockResultV1 = z.infer<typeof releaseStockResultV1>;
