/**
 * Coupons and store credit at checkout: what a customer may ask for, and what an order costs once
 * the coupon's discount (computed by users when the saga redeems it) and the credit are applied.
 * Pure; the place-order saga's `orders.apply-deductions` step calls `applyDeductions`.
 */

/** The most store credit one order may ask for, in minor units: $100,000. */
export const MAX_CREDIT_CENTS = 10_000_000;

/** Longest coupon code accepted (what `users.redeem-coupon` takes). */
export const MAX_COUPON_CODE_LENGTH = 64;

/** What a customer asks for at checkout, validated and normalised. */
export interface DeductionRequest {
  /** Upper case, trimmed; absent without a coupon. */
  readonly couponCode?: string;
  /** 0 without credit. */
  readonly creditRequestedCents: number;
}

export type DeductionInput =
  | { readonly ok: true; readonly request: DeductionRequest }
  | { readonly ok: false; readonly problems: { field: string; message: string }[] };

/**
 * Checks and normalises the coupon code and credit of a `placeOrder` input. A code is letters,
 * digits, spaces and dashes (users ignores spaces and dashes and case); the credit a whole number
 * of cents from 0 to `MAX_CREDIT_CENTS`. Absent (or null) means none.
 */
export function parseDeductions(input: {
  readonly couponCode?: string | null;
  readonly creditCents?: number | null;
}): DeductionInput {
  const problems: { field: string; message: string }[] = [];
  let couponCode: string | undefined;
  if (input.couponCode != null) {
    const code = input.couponCode.trim().toUpperCase();
    if (code.length === 0)
      problems.push({
        field: 'couponCode',
        message: 'is empty; leave it out to order without one',
      });
    else if (code.length > MAX_COUPON_CODE_LENGTH || !/^[A-Z0-9][A-Z0-9 -]*$/.test(code))
      problems.push({
        field: 'couponCode',
        message: `must be a coupon code (letters, digits and dashes, at most ${MAX_COUPON_CODE_LENGTH} characters)`,
      });
    else couponCode = code;
  }
  const credit = input.creditCents ?? 0;
  if (!Number.isSafeInteger(credit) || credit < 0 || credit > MAX_CREDIT_CENTS)
    problems.push({
      field: 'creditCents',
      message: `must be a whole number of cents from 0 to ${MAX_CREDIT_CENTS}`,
    });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: { ...(couponCode === undefined ? {} : { couponCode }), creditRequestedCents: credit },
  };
}

/** An order's figures once coupon and credit are applied. */
export interface DeductedTotals {
  readonly subtotalCents: number;
  /** The coupon's discount, never more than the subtotal. */
  readonly discountCents: number;
  readonly shippingCents: number;
  /** The store credit applied: what was asked for, never more than what is left to pay. */
  readonly creditCents: number;
  /** What is charged: subtotal − discount + shipping − credit, never below 0. */
  readonly totalCents: number;
}

/**
 * Applies a coupon's discount and the credit asked for to an order's subtotal and shipping. The
 * discount takes off the subtotal only (shipping is not discounted); the credit pays what is left,
 * shipping included, and no more, so a customer asking for more credit than the order costs is
 * debited only what it costs, and the total never goes below 0. A total of 0 means nothing is
 * charged: the saga skips the payment.
 */
export function applyDeductions(order: {
  readonly subtotalCents: number;
  readonly shippingCents: number;
  readonly offeredDiscountCents: number;
  readonly creditRequestedCents: number;
}): DeductedTotals {
  const nonNegative = (n: number) => Math.max(0, Math.trunc(n));
  const subtotalCents = nonNegative(order.subtotalCents);
  const shippingCents = nonNegative(order.shippingCents);
  const discountCents = Math.min(nonNegative(order.offeredDiscountCents), subtotalCents);
  const due = subtotalCents - discountCents + shippingCents;
  const creditCents = Math.min(nonNegative(order.creditRequestedCents), due);
  return {
    subtotalCents,
    discountCents,
    shippingCents,
    creditCents,
    totalCents: due - creditCents,
  };
}
