import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, customerContact, minorUnits, orderNumber } from '../parts.js';

/**
 * The cancel-order saga completed: stock released, payment refunded, shipment cancelled. Published
 * once the refund is done, so "cancelled" and "refunded" are one event (and one email).
 */
export const orderCancelledDataV2 = z.object({
  orderId: z.string().min(1),
  orderNumber,
  customer: customerContact,
  currency: currencyCode,
  /** Refunded amount in minor units of `currency` (0 when nothing had been charged). */
  refundedCents: minorUnits,
});

/**
 * `orders.order-cancelled` version 2: v1 plus the order number, the customer's contact and the
 * currency of the refund. Published beside v1 until v1's consumers move.
 */
export const orderCancelledV2 = defineContract('orders.order-cancelled', 2, orderCancelledDataV2);
export type OrderCancelledV2 = z.infer<typeof orderCancelledDataV2>;
