import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const restockOrderPayloadV1 = z.object({
  orderId: z.string().min(1).max(64),
});
export type RestockOrderV1 = z.infer<typeof restockOrderPayloadV1>;

/**
 * Saga command `catalog.restock-order` version 1, the cancel-order saga's first step: puts the
 * units the order's committed (sold) reservation took back on hand, once. An order whose stock is
 * still only reserved is released instead; an order that holds nothing is a no-op success.
 */
export const restockOrderV1 = defineSagaCommand('catalog.restock-order', 1, restockOrderPayloadV1);

export const restockOrderResultV1 = z.object({
  /** Units this command put back; 0 when a previous restock did or nothing was held. */
  restockedUnits: z.number().int().nonnegative(),
});
export type RestockOrderResultV1 = z.infer<typeof restockOrderResultV1>;
