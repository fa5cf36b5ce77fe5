import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const stockChangedDataV1 = z.object({
  productId: z.string().min(1),
  available: z.number().int(),
  reserved: z.number().int().nonnegative(),
});

/** `catalog.stock-changed` version 1. */
export const stockChangedV1 = defineContract('catalog.stock-changed', 1, stockChangedDataV1);
export type StockChangedV1 = z.infer<typeof stockChangedDataV1>;
