import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const orderConfirmedDataV1 = z.object({
  orderId: z.string().min(1),
  userId: z.string().min(1),
});

/** `orders.order-confirmed` version 1. */
export const orderConfirmedV1 = defineContract('orders.order-confirmed', 1, orderConfirmedDataV1);
export type OrderConfirmedV1 = z.infer<typeof orderConfirmedDataV1>;
