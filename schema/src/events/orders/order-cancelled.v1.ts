import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const orderCancelledDataV1 = z.object({
  orderId: z.string().min(1),
  userId: z.string().min(1),
  refundedCents: z.number().int().nonnegative(),
});

/** `orders.order-cancelled` version 1. */
export const orderCancelledV1 = defineContract('orders.order-cancelled', 1, orderCancelledDataV1);
export type OrderCancelledV1 = z.infer<typeof orderCancelledDataV1>;
