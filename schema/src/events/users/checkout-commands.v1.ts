import { z } from 'zod';
import { currencyCode, minorUnits } from '../parts.js';
import { defineSagaCommand } from '../sagas/saga-command.js';

// The place-order saga's commands to the `users` participant (subgraphs/users/src/messaging/),
// for checkout with a coupon or store credit. Each is idempotent by order id: a repeat answers
// what the first did, so two sagas of one order still redeem or debit once.

const orderRef = z.object({ orderId: z.string().min(1).max(40) });

export const redeemCouponPayloadV1 = orderRef.extend({
  userId: z.string().min(1).max(36),
  code: z.string().min(1).max(64),
  /** The order's subtotal before discounts, computed by orders: the minimum order is checked on it. */
  subtotalCents: minorUnits,
  currency: currencyCode,
});
export type RedeemCouponV1 = z.infer<typeof redeemCouponPayloadV1>;

/**
 * `users.redeem-coupon` version 1: marks the user's coupon REDEEMED by the order with one
 * conditional write (of any number of concurrent checkouts, one wins). Refused, with a reason a
 * customer can read, for a coupon that is unknown, someone else's, used, revoked, expired, in
 * another currency, or above the subtotal's minimum. Compensation: `users.unredeem-coupon`.
 */
export const redeemCouponV1 = defineSagaCommand('users.redeem-coupon', 1, redeemCouponPayloadV1);

/** The `result` of a succeeded `users.redeem-coupon`: the discount, computed by users. */
export const redeemCouponResultV1 = z.object({
  couponId: z.string().min(1),
  discountCents: minorUnits,
});
export type RedeemCouponResultV1 = z.infer<typeof redeemCouponResultV1>;

/** `users.unredeem-coupon` version 1: the coupon the order redeemed is usable again, once. */
export const unredeemCouponV1 = defineSagaCommand('users.unredeem-coupon', 1, orderRef);
export type UnredeemCouponV1 = z.infer<typeof orderRef>;

export const debitCreditPayloadV1 = orderRef.extend({
  userId: z.string().min(1).max(36),
  amountCents: z.number().int().positive(),
  currency: currencyCode,
});
export type DebitCreditV1 = z.infer<typeof debitCreditPayloadV1>;

/**
 * `users.debit-credit` version 1: a debit entry in the user's credit ledger for the order, once;
 * refused ("not enough credit: 500 wanted, 300 available") when the balance would go negative.
 * Compensation: `users.give-back-credit`.
 */
export const debitCreditV1 = defineSagaCommand('users.debit-credit', 1, debitCreditPayloadV1);

/** `users.give-back-credit` version 1: credits back what the order's debit took, once. */
export const giveBackCreditV1 = defineSagaCommand('users.give-back-credit', 1, orderRef);
export type GiveBackCreditV1 = z.infer<typeof orderRef>;

/** The `result` of a succeeded debit or give-back: the amount that moved (0 for a no-op). */
export const creditAmountResultV1 = z.object({ amountCents: minorUnits });
