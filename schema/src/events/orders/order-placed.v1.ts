import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const orderPlacedDataV1 = z.object({
  orderId: z.string().min(1),
  userId: z.string().min(1),
  lines: z
    .array(
      z.object({
        productId: z.string().min(1),
        quantity: z.number().int().positive(),
        unitPriceCents: z.number().int().nonnegative(),
      }),
    )
    .min(1),
  totalCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
});

/** `orders.order-placed` version 1. */
export const orderPlacedV1 = defineContract('orders.order-placed', 1, orderPlacedDataV1);
export type OrderPlacedV1 = z.infer<typeof orderPlacedDataV1>;
