import { z } from 'zod';
import { defineContract } from '../envelope.js';

/**
 * The owner asked to cancel a CONFIRMED order, which orders moved to CANCELLING in the same
 * transaction (so twenty concurrent requests write one event). The orchestrator starts the
 * cancel-order saga from it (saga id `co:<orderId>`).
 */
export const orderCancelRequestedDataV1 = z.object({
  orderId: z.string().min(1).max(40),
  userId: z.string().min(1),
  /** The customer's words, if any. */
  reason: z.string().max(500).optional(),
});

/** `orders.order-cancel-requested` version 1. */
export const orderCancelRequestedV1 = defineContract(
  'orders.order-cancel-requested',
  1,
  orderCancelRequestedDataV1,
);
export type OrderCancelRequestedV1 = z.infer<typeof orderCancelRequestedDataV1>;
