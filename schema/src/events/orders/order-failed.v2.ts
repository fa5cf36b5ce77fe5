import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, customerContact, minorUnits, orderNumber } from '../parts.js';

/** The compensations of the place-order saga that ran before the order ended FAILED. */
export const ORDER_FAILURE_UNDONE = [
  /** Reserved stock was given back. */
  'STOCK_RELEASED',
  /** The captured payment was refunded (`refundedCents`). */
  'PAYMENT_REFUNDED',
  /** The delivery partner's assignment was cancelled. */
  'SHIPMENT_CANCELLED',
] as const;

export const orderFailedDataV2 = z.object({
  orderId: z.string().min(1),
  orderNumber,
  customer: customerContact,
  /** Why the order failed, in words fit for the customer ("Your card was declined."). */
  reason: z.string().min(1).max(500),
  /** What was undone, in the order it was undone; empty when the first step failed. */
  undone: z.array(z.enum(ORDER_FAILURE_UNDONE)),
  currency: currencyCode,
  /** Refunded amount in minor units of `currency`; 0 unless `undone` has PAYMENT_REFUNDED. */
  refundedCents: minorUnits,
});

/**
 * `orders.order-failed` version 2: v1 plus the order number, the customer's contact, what the
 * saga undid and the refund. Published beside v1 until v1's consumers move.
 */
export const orderFailedV2 = defineContract('orders.order-failed', 2, orderFailedDataV2);
export type OrderFailedV2 = z.infer<typeof orderFailedDataV2>;
