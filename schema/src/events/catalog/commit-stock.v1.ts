import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const commitStockPayloadV1 = z.object({
  orderId: z.string().min(1).max(64),
});
export type CommitStockV1 = z.infer<typeof commitStockPayloadV1>;

/**
 * Saga command `catalog.commit-stock` version 1: turns the order's reservation into a sale (on
 * hand and reserved both drop by the held units), once. Refused when the order holds no
 * reservation or it was released.
 */
export const commitStockV1 = defineSagaCommand('catalog.commit-stock', 1, commitStockPayloadV1);

/** The `result` of a succeeded `catalog.commit-stock` reply. */
export const commitStockResultV1 = z.object({
  /** Units sold by this command; 0 when a previous commit already did. */
  committedUnits: z.number().int().nonnegative(),
});
export type CommitStockResultV1 = z.infer<typeof commitStockResultV1>;
