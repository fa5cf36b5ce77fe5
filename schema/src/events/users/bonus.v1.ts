import { z } from 'zod';
import { currencyCode, minorUnits } from '../parts.js';

/** What a welcome coupon gives: a percentage of the order, or a fixed amount off. */
export const couponDiscountV1 = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('PERCENT'), percentOff: z.number().int().min(1).max(100) }),
  z.object({
    kind: z.literal('AMOUNT'),
    amountOffCents: z.number().int().positive(),
    currency: currencyCode,
  }),
]);
export type CouponDiscountV1 = z.infer<typeof couponDiscountV1>;

/**
 * The registration bonus an account is entitled to (users' promotion rules at registration): store
 * credit, and `count` coupons alike. Amounts are integers in minor units of `currency`.
 */
export const bonusOfferV1 = z.object({
  currency: currencyCode,
  /** Store credit; 0 for coupons only. */
  creditCents: minorUnits,
  coupons: z.object({
    count: z.number().int().min(0).max(20),
    discount: couponDiscountV1,
    /** Smallest order subtotal (before discounts) a coupon applies to; 0 for any. */
    minOrderCents: minorUnits,
    /** Each coupon expires this many days after it is generated. */
    validDays: z.number().int().min(1).max(3650),
  }),
});
export type BonusOfferV1 = z.infer<typeof bonusOfferV1>;

/** A coupon as a customer reads it in an email. */
export const grantedCouponV1 = z.object({
  code: z.string().min(1).max(64),
  /** What it gives, as the customer reads it ("10% off an order of $20.00 or more"). */
  description: z.string().min(1).max(200),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type GrantedCouponV1 = z.infer<typeof grantedCouponV1>;
