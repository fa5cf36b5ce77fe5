import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, customerContact, minorUnits, orderNumber, postalAddress } from '../parts.js';

/**
 * An order was created in PENDING from the customer's cart (lines and prices read on the server
 * from cart and catalog) and its payment method recorded with the order. Written to orders' outbox
 * in the transaction that creates the order; the orchestrator starts the place-order saga from it
 * (saga id `po:<orderId>`, so a redelivered event starts one saga). The payment method
 * itself never travels: orders' payment step reads it from its own database.
 */
export const orderPlacedDataV2 = z.object({
  orderId: z.string().min(1).max(40),
  orderNumber,
  customer: customerContact,
  currency: currencyCode,
  lines: z
    .array(
      z.object({
        productId: z.string().min(1).max(64),
        title: z.string().min(1).max(300),
        quantity: z.number().int().positive(),
        unitPriceCents: minorUnits,
      }),
    )
    .min(1)
    .max(100),
  subtotalCents: minorUnits,
  /** 0 at placement: the coupon's discount and the credit are applied by the saga. */
  discountCents: minorUnits,
  shippingCents: minorUnits,
  /** Before coupon and credit: the saga's `orders.apply-deductions` step sets what is captured. */
  totalCents: minorUnits,
  shippingAddress: postalAddress,
  /** The coupon code the customer entered (redeemed by the saga); absent without one. */
  couponCode: z.string().min(1).max(64).optional(),
  /** The store credit the customer asked to apply, at most; absent or 0 without any. */
  creditRequestedCents: minorUnits.optional(),
});

/** `orders.order-placed` version 2: v1 plus the order number, contact, titles, totals and address. */
export const orderPlacedV2 = defineContract('orders.order-placed', 2, orderPlacedDataV2);
export type OrderPlacedV2 = z.infer<typeof orderPlacedDataV2>;
