import { z } from 'zod';
import { minorUnits } from '../parts.js';
import { defineSagaCommand } from '../sagas/saga-command.js';
import { ORDER_FAILURE_UNDONE } from './order-failed.v2.js';

// The saga commands the `orders` participant handles (subgraphs/orders/src/messaging/). Every one
// is keyed by the order id and idempotent: a repeat answers what the first did.

const orderRef = z.object({ orderId: z.string().min(1).max(40) });

/**
 * `orders.open-order` version 1, the place-order saga's first step: succeeds while the order is
 * PENDING (and again on a repeat), refused otherwise. Nothing to undo; its compensation,
 * `orders.fail-order`, is what ends a failed saga: it runs last, after every other compensation.
 */
export const openOrderV1 = defineSagaCommand('orders.open-order', 1, orderRef);
export type OpenOrderV1 = z.infer<typeof orderRef>;

export const failOrderPayloadV1 = z.object({
  orderId: z.string().min(1).max(40),
  /** The refusal or timeout that failed the saga, as the participant worded it. */
  reason: z.string().min(1).max(2000),
  /** The compensations that ran before this one, in order. */
  undone: z.array(z.enum(ORDER_FAILURE_UNDONE)),
});
export type FailOrderV1 = z.infer<typeof failOrderPayloadV1>;

/**
 * `orders.fail-order` version 1 (compensation of `orders.open-order`): PENDING → FAILED with a
 * reason a customer can read, and `orders.order-failed` v1 and v2 through the outbox, once.
 */
export const failOrderV1 = defineSagaCommand('orders.fail-order', 1, failOrderPayloadV1);

export const applyDeductionsPayloadV1 = orderRef.extend({
  /** What the redeemed coupon takes off, as users computed it (0 without a coupon). */
  discountCents: minorUnits,
});
export type ApplyDeductionsV1 = z.infer<typeof applyDeductionsPayloadV1>;

/**
 * `orders.apply-deductions` version 1, before the payment: orders prices the PENDING order with the
 * coupon's discount and the store credit the customer asked for (never more than what is left to
 * pay) and sets the amount the payment step captures to the new total. Idempotent: the figures are
 * recomputed from the order's own subtotal and request. Compensation: `orders.remove-deductions`.
 */
export const applyDeductionsV1 = defineSagaCommand(
  'orders.apply-deductions',
  1,
  applyDeductionsPayloadV1,
);

/** The `result` of `orders.apply-deductions`: the order's figures (merged into the saga data). */
export const applyDeductionsResultV1 = z.object({
  discountCents: minorUnits,
  /** The store credit to debit: 0 when none was asked for or nothing was left to pay. */
  creditCents: minorUnits,
  /** What the payment step captures; 0 when coupon and credit cover the whole order. */
  totalCents: minorUnits,
});
export type ApplyDeductionsResultV1 = z.infer<typeof applyDeductionsResultV1>;

/**
 * `orders.remove-deductions` version 1 (compensation of `orders.apply-deductions`): the PENDING
 * order goes back to its undiscounted total (the coupon and credit were given back); a no-op on
 * an order that is no longer PENDING.
 */
export const removeDeductionsV1 = defineSagaCommand('orders.remove-deductions', 1, orderRef);
export type RemoveDeductionsV1 = z.infer<typeof orderRef>;

/**
 * `orders.capture-payment` version 1: authorises and captures the order's total with the payment
 * method recorded at placement, through the payment provider port with the idempotency key
 * `capture:<orderId>`, so a resend charges once. A decline is a refusal with the customer-facing
 * reason ("Your card was declined."). Compensation: `orders.refund-payment`.
 */
export const capturePaymentV1 = defineSagaCommand('orders.capture-payment', 1, orderRef);
export type CapturePaymentV1 = z.infer<typeof orderRef>;

export const capturePaymentResultV1 = z.object({
  paymentId: z.string().min(1),
  capturedCents: minorUnits,
});
export type CapturePaymentResultV1 = z.infer<typeof capturePaymentResultV1>;

/**
 * `orders.refund-payment` version 1: refunds what was captured for the order, once (idempotency key
 * `refund:<orderId>`); nothing captured is a no-op success. Used by both sagas.
 */
export const refundOrderPaymentV1 = defineSagaCommand('orders.refund-payment', 1, orderRef);
export type RefundOrderPaymentV1 = z.infer<typeof orderRef>;

export const refundOrderPaymentResultV1 = z.object({
  /** Refunded by this command; 0 when a previous refund did or nothing was captured. */
  refundedCents: minorUnits,
});
export type RefundOrderPaymentResultV1 = z.infer<typeof refundOrderPaymentResultV1>;

/**
 * `orders.confirm-order` version 1, the place-order saga's pivot (with `catalog.commit-stock`):
 * PENDING → CONFIRMED and `orders.order-confirmed` v1 and v2 through the outbox, once.
 */
export const confirmOrderV1 = defineSagaCommand('orders.confirm-order', 1, orderRef);
export type ConfirmOrderV1 = z.infer<typeof orderRef>;

/**
 * `orders.complete-cancellation` version 1, the cancel-order saga's last step: CANCELLING →
 * CANCELLED and `orders.order-cancelled` v1 and v2 (with what was refunded), once.
 */
export const completeCancellationV1 = defineSagaCommand(
  'orders.complete-cancellation',
  1,
  orderRef,
);
export type CompleteCancellationV1 = z.infer<typeof orderRef>;
