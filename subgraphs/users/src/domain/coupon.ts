/**
 * Coupons: a code that takes a percentage or an amount off one order, owned by one user and
 * usable once, with a minimum order and an expiry. Pure rules; the service generates codes and
 * makes the single use hold with a conditional write.
 */

export const COUPON_STATUSES = ['ACTIVE', 'REDEEMED', 'REVOKED'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

export type CouponDiscount =
  | { readonly kind: 'PERCENT'; readonly percentOff: number }
  | { readonly kind: 'AMOUNT'; readonly amountOffCents: number; readonly currency: string };

export interface CouponState {
  readonly userId: string;
  readonly discount: CouponDiscount;
  readonly minOrderCents: number;
  readonly expiresAt: Date;
  readonly status: CouponStatus;
  readonly redeemedOrderId: string | null;
}

export interface RedemptionRequest {
  readonly userId: string;
  readonly orderId: string;
  readonly subtotalCents: number;
  readonly currency: string;
  readonly now: Date;
}

export type RedemptionVerdict =
  /** Redeem it now (a conditional write still decides between concurrent orders). */
  | { readonly verdict: 'redeem'; readonly discountCents: number }
  /** This order already redeemed it: a repeat, answered the same. */
  | { readonly verdict: 'already-redeemed-by-order'; readonly discountCents: number }
  | { readonly verdict: 'refused'; readonly reason: string };

/** The discount a coupon gives on a subtotal: never more than the subtotal; percent rounds down. */
export function couponDiscountCents(discount: CouponDiscount, subtotalCents: number): number {
  switch (discount.kind) {
    case 'PERCENT':
      return Math.floor((subtotalCents * discount.percentOff) / 100);
    case 'AMOUNT':
      return Math.min(discount.amountOffCents, subtotalCents);
  }
}

/**
 * Whether an order may redeem a coupon. The reasons are what a customer reads at checkout; a
 * coupon of another user reads like an unknown one, so codes cannot be probed for their owners.
 */
export function judgeRedemption(coupon: CouponState, req: RedemptionRequest): RedemptionVerdict {
  if (coupon.userId !== req.userId) return { verdict: 'refused', reason: 'unknown coupon code' };
  const discountCents = couponDiscountCents(coupon.discount, req.subtotalCents);
  if (coupon.status === 'REDEEMED')
    return coupon.redeemedOrderId === req.orderId
      ? { verdict: 'already-redeemed-by-order', discountCents }
      : { verdict: 'refused', reason: 'this coupon has already been used' };
  if (coupon.status === 'REVOKED') return { verdict: 'refused', reason: 'this coupon was revoked' };
  if (coupon.expiresAt.getTime() <= req.now.getTime())
    return { verdict: 'refused', reason: 'this coupon has expired' };
  if (coupon.discount.kind === 'AMOUNT' && coupon.discount.currency !== req.currency)
    return {
      verdict: 'refused',
      reason: `this coupon is in ${coupon.discount.currency}, the order in ${req.currency}`,
    };
  if (req.subtotalCents < coupon.minOrderCents)
    return {
      verdict: 'refused',
      reason: `this coupon needs an order of at least ${coupon.minOrderCents} (the order is ${req.subtotalCents})`,
    };
  return { verdict: 'redeem', discountCents };
}

/** What a coupon gives, as a customer reads it; amounts through the caller's money formatter. */
export function describeCoupon(
  discount: CouponDiscount,
  minOrderCents: number,
  money: (cents: number) => string,
): string {
  const off =
    discount.kind === 'PERCENT'
      ? `${discount.percentOff}% off`
      : `${money(discount.amountOffCents)} off`;
  return minOrderCents > 0
    ? `${off} an order of ${money(minOrderCents)} or more`
    : `${off} your next order`;
}

/** Problems with a coupon an admin issues, for one BAD_USER_INPUT naming every field. */
export function couponProblems(input: {
  readonly discount: CouponDiscount;
  readonly minOrderCents: number;
  readonly expiresAt: Date;
  readonly now: Date;
}): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const d = input.discount;
  if (
    d.kind === 'PERCENT' &&
    !(Number.isInteger(d.percentOff) && d.percentOff >= 1 && d.percentOff <= 100)
  )
    problems.push({ field: 'percentOff', message: 'must be a whole number from 1 to 100' });
  if (d.kind === 'AMOUNT' && !(Number.isSafeInteger(d.amountOffCents) && d.amountOffCents > 0))
    problems.push({ field: 'amountOffCents', message: 'must be a positive whole number of cents' });
  if (!(Number.isSafeInteger(input.minOrderCents) && input.minOrderCents >= 0))
    problems.push({ field: 'minOrderCents', message: 'must be zero or a positive whole number' });
  if (Number.isNaN(input.expiresAt.getTime()) || input.expiresAt.getTime() <= input.now.getTime())
    problems.push({ field: 'expiresAt', message: 'must be in the future' });
  return problems;
}
