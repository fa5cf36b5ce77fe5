import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const productUpsertedDataV1 = z.object({
  productId: z.string().min(1),
  /** Monotonic revision of the product document; indexers ignore older revisions. */
  revision: z.number().int().nonnegative(),
});

/** `catalog.product-upserted` version 1. */
export const productUpsertedV1 = defineContract(
  'catalog.product-upserted',
  1,
  productUpsertedDataV1,
);
export type ProductUpsertedV1 = z.infer<typeof productUpsertedDataV1>;
