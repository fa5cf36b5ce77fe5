import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, customerContact, minorUnits, orderNumber, postalAddress } from '../parts.js';

/**
 * The order is paid, its stock reserved and its shipment arranged: the place-order saga's last
 * step. Carries everything the confirmation email shows, so no consumer reads orders' database.
 * Amounts are in minor units of `currency`; `totalCents = subtotalCents - discountCents +
 * shippingCents` and `subtotalCents` is the sum of the lines' `quantity * unitPriceCents`.
 */
export const orderConfirmedDataV2 = z.object({
  orderId: z.string().min(1),
  orderNumber,
  customer: customerContact,
  currency: currencyCode,
  lines: z
    .array(
      z.object({
        productId: z.string().min(1),
        /** The product's title at the time of the order. */
        title: z.string().min(1).max(300),
        quantity: z.number().int().positive(),
        unitPriceCents: minorUnits,
      }),
    )
    .min(1),
  subtotalCents: minorUnits,
  /** Coupons and credit applied; 0 when none. */
  discountCents: minorUnits,
  shippingCents: minorUnits,
  /** What was charged. */
  totalCents: minorUnits,
  shippingAddress: postalAddress,
  /** The part of `discountCents` paid with store credit; absent on events before credit existed. */
  creditCents: minorUnits.optional(),
});

/**
 * `orders.order-confirmed` version 2: v1 (ids only) plus the order number, the customer's contact,
 * the lines with titles, the totals and the shipping address. Published beside v1 until v1's
 * consumers move; the notification worker reads v2 only.
 */
export const orderConfirmedV2 = defineContract('orders.order-confirmed', 2, orderConfirmedDataV2);
export type OrderConfirmedV2 = z.infer<typeof orderConfirmedDataV2>;
