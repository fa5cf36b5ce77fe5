import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const orderFailedDataV1 = z.object({
  orderId: z.string().min(1),
  userId: z.string().min(1),
  reason: z.string().min(1),
});

/** `orders.order-failed` version 1. */
export const orderFailedV1 = defineContract('orders.order-failed', 1, orderFailedDataV1);
export type OrderFailedV1 = z.infer<typeof orderFailedDataV1>;
