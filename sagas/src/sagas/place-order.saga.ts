import {
  applyDeductionsV1,
  assignShipmentPayloadV1,
  assignShipmentV1,
  cancelDeliveryShipmentV1,
  capturePaymentV1,
  commitStockV1,
  confirmOrderV1,
  debitCreditV1,
  failOrderV1,
  giveBackCreditV1,
  openOrderV1,
  orderPlacedV2,
  redeemCouponV1,
  refundOrderPaymentV1,
  releaseStockV1,
  removeDeductionsV1,
  reserveStockV1,
  TOPICS,
  unredeemCouponV1,
  type FailOrderV1,
} from '@shop/schema';
import { z } from 'zod';
import { defineSaga, triggeredBy, type SagaView } from '../engine/saga-definition.js';
import type { SagaHistoryEntry } from '../engine/saga-state.js';

export const PLACE_ORDER_SAGA = 'place-order';

/** The saga id of an order's placement: one saga per order, however often the event comes. */
export const placeOrderSagaId = (orderId: string): string => `po:${orderId}`;

/** The participants' names; commands go to `sagas.commands.<name>`. */
export const PARTICIPANTS = {
  orders: 'orders',
  catalog: 'catalog',
  delivery: 'delivery',
  users: 'users',
} as const;

export const placeOrderData = z.object({
  orderId: z.string().min(1).max(40),
  customerId: z.string().min(1).max(64),
  lines: z
    .array(
      z.object({ productId: z.string().min(1).max(64), quantity: z.number().int().positive() }),
    )
    .min(1)
    .max(100),
  /** The delivery address's ZIP code, in the form delivery takes. */
  postalCode: assignShipmentPayloadV1.shape.postalCode,
  /** Items in the order: the capacity the shipment takes from its partner. */
  units: assignShipmentPayloadV1.shape.units,
  /** What the payment step captures: the placed total, then `orders.apply-deductions`' result. */
  totalCents: z.number().int().nonnegative(),
  /** The order's subtotal and currency: the coupon's minimum order is checked on the subtotal. */
  subtotalCents: z.number().int().nonnegative().default(0),
  currency: z.string().length(3).default('USD'),
  /** The coupon to redeem; absent without one (the coupon steps are skipped). */
  couponCode: z.string().min(1).max(64).optional(),
  /** The store credit asked for, at most; 0 skips the credit steps. */
  creditRequestedCents: z.number().int().nonnegative().default(0),
  /** Set by the redeem-coupon step's result: what the coupon takes off. */
  discountCents: z.number().int().nonnegative().optional(),
  /** Set by the apply-deductions step's result: the credit to debit. */
  creditCents: z.number().int().nonnegative().optional(),
});
export type PlaceOrderData = z.infer<typeof placeOrderData>;

/** Step names, used by the table below and by the failure wording. */
const STEP = {
  open: 'open-order',
  redeem: 'redeem-coupon',
  deduct: 'apply-deductions',
  debit: 'debit-credit',
  reserve: 'reserve-stock',
  capture: 'capture-payment',
  assign: 'assign-shipment',
  commit: 'commit-stock',
  confirm: 'confirm-order',
} as const;

/** What each compensation undid, in the words of `orders.order-failed@2`'s `undone`. */
const UNDONE_BY_STEP: Readonly<Record<string, FailOrderV1['undone'][number]>> = {
  [STEP.reserve]: 'STOCK_RELEASED',
  [STEP.capture]: 'PAYMENT_REFUNDED',
  [STEP.assign]: 'SHIPMENT_CANCELLED',
};

/**
 * The reason a customer reads on a FAILED order, from the engine's failure reason
 * (`<step>: <participant's refusal>` or `<step>: no reply after N attempts`). The participant's
 * own words are kept only where they are meant for a customer (orders words its payment
 * refusals for them); catalog's and delivery's name product ids and partner counts, which stay in
 * the saga history for operators.
 */
export function customerFailureReason(failureReason: string | null): string {
  const reason = failureReason ?? '';
  const [step = '', ...rest] = reason.split(': ');
  const detail = rest.join(': ').trim();
  const timedOut = /^no reply after \d+ attempts/.test(detail);
  switch (step) {
    case STEP.redeem:
      return timedOut
        ? 'We could not check your coupon in time. You have not been charged.'
        : `${sentence(detail === '' ? 'this coupon cannot be used' : detail)} You have not been charged.`;
    case STEP.debit:
      return timedOut
        ? 'We could not apply your store credit in time. You have not been charged.'
        : `${sentence(detail.replace(/^not enough credit/, 'not enough store credit'))} You have not been charged.`;
    case STEP.reserve:
      return timedOut
        ? 'We could not reserve your items in time. You have not been charged.'
        : 'Out of stock: some items in your order are no longer available. You have not been charged.';
    case STEP.capture:
      return timedOut
        ? 'Payment could not be confirmed in time. Any amount taken has been refunded.'
        : `Payment declined: ${detail === '' ? 'your payment method was declined.' : detail}`;
    case STEP.assign:
      return timedOut
        ? 'We could not arrange delivery in time. Your payment has been refunded.'
        : 'No delivery partner is available for your address right now. Your payment has been refunded.';
    default:
      return 'We could not complete your order. Anything charged has been refunded.';
  }
}

/** Users' refusal ("this coupon has already been used") as a sentence a customer reads. */
const sentence = (text: string): string => {
  const t = text.trim();
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/**
 * The compensations that ran before fail-order, in order, from the saga history: each compensated
 * step's succeeded compensation (a no-op one included: the participant knows the amount).
 */
export function undoneFromHistory(history: readonly SagaHistoryEntry[]): FailOrderV1['undone'] {
  const undone: FailOrderV1['undone'] = [];
  for (const h of history) {
    const what = UNDONE_BY_STEP[h.stepName];
    if (h.action === 'compensate' && h.event === 'succeeded' && what !== undefined)
      if (!undone.includes(what)) undone.push(what);
  }
  return undone;
}

const failOrderPayload = (d: PlaceOrderData, saga: SagaView): FailOrderV1 => ({
  orderId: d.orderId,
  reason: customerFailureReason(saga.failureReason),
  undone: undoneFromHistory(saga.history),
});

const order = (d: PlaceOrderData) => ({ orderId: d.orderId });

/** Whether the order has a coupon or asks for store credit (sagas started before both: no). */
const hasDeductions = (d: PlaceOrderData): boolean =>
  d.couponCode !== undefined || (d.creditRequestedCents ?? 0) > 0;

/** Per-attempt reply timeouts and attempts; see `placeOrderSaga` for the reasoning. */
export interface PlaceOrderSagaOptions {
  /** Local steps (orders, catalog, delivery: one database transaction each). @default 10000 */
  readonly stepTimeoutMs?: number;
  /** The payment capture (a provider call inside). @default 30000 */
  readonly paymentTimeoutMs?: number;
  /** Attempts of a compensable step or compensation before giving up. @default 3 */
  readonly maxAttempts?: number;
  /** Attempts of the pivot steps (commit, confirm) before parking. @default 30 */
  readonly pivotMaxAttempts?: number;
  /** Where `orders.order-placed@2` is read from. @default 'orders.events' */
  readonly ordersEventsTopic?: string;
}

/**
 * The place-order saga, started by `orders.order-placed@2` on `orders.events` (saga id
 * `po:<orderId>`):
 *
 * | # | step             | participant | command                     | compensation                |
 * |---|------------------|-------------|-----------------------------|-----------------------------|
 * | 0 | open-order       | orders      | orders.open-order@1         | orders.fail-order@1         |
 * | 1 | redeem-coupon ¹  | users       | users.redeem-coupon@1       | users.unredeem-coupon@1     |
 * | 2 | apply-deductions²| orders      | orders.apply-deductions@1   | orders.remove-deductions@1  |
 * | 3 | debit-credit ³   | users       | users.debit-credit@1        | users.give-back-credit@1    |
 * | 4 | reserve-stock    | catalog     | catalog.reserve-stock@1     | catalog.release-stock@1     |
 * | 5 | capture-payment ⁴| orders      | orders.capture-payment@1    | orders.refund-payment@1     |
 * | 6 | assign-shipment  | delivery    | delivery.assign-shipment@1  | delivery.cancel-shipment@1  |
 * | 7 | commit-stock     | catalog     | catalog.commit-stock@1      | — (pivot)                   |
 * | 8 | confirm-order    | orders      | orders.confirm-order@1      | — (after the pivot)         |
 *
 * Optional steps, skipped (nothing sent, nothing to compensate) when their condition is false:
 * ¹ the order has a coupon code; ² it has a coupon or asks for store credit; ³ the credit to apply
 * (apply-deductions' result) is above 0; ⁴ the total left to pay is above 0: coupon and credit
 * covering the whole order leave nothing to charge, the payment row stays PENDING with amount 0.
 *
 * The coupon is redeemed by users, which computes its discount (minimum order, expiry, owner and
 * single use checked there, in one conditional write); orders then prices the order with it and
 * the credit asked for (never more than what is left to pay), and users debits that credit. They
 * come first: a refused coupon or a short balance fails the order before any stock is held.
 *
 * Compensation runs backwards, so fail-order (the compensation of open-order) runs last: the order
 * turns FAILED only once everything else is undone, with the customer's reason and what was undone.
 *
 * Timeouts: a step's timeout is not its expected latency (milliseconds) but how long to wait
 * before resending, and for a compensable step the last unanswered attempt compensates an order
 * that might have gone through. So they must outlast a participant's restart: a SIGKILLed
 * consumer's partitions wait for its Kafka session to expire (10 s) and its replacement to join.
 * Local steps get 10 s × 3 attempts. Payment gets 30 s: orders calls the provider with its own
 * deadline and retries inside one command (the simulated provider's timeout card answers only
 * after the provider deadline has passed), and a resend while the first call is still running
 * is answered by that call (orders defers the capture's answer until the provider has spoken). Every resend is safe: each participant is idempotent by
 * order (the capture uses the provider idempotency key `capture:<orderId>`).
 *
 * The pivot (commit the stock, then confirm the order) is retried until it answers: 30 attempts of
 * 10 s, five minutes, before the saga is parked for a person (a late reply still resumes it).
 */
export function placeOrderSaga(options: PlaceOrderSagaOptions = {}) {
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const retry = { maxAttempts: options.maxAttempts ?? 3, backoffMs: 1000 };
  const pivotRetry = { maxAttempts: options.pivotMaxAttempts ?? 30, backoffMs: 1000 };
  return defineSaga<PlaceOrderData>({
    type: PLACE_ORDER_SAGA,
    data: placeOrderData,
    subject: (d) => d.orderId,
    trigger: triggeredBy(
      options.ordersEventsTopic ?? TOPICS.ordersEvents,
      orderPlacedV2,
      (event) => {
        const o = event.data;
        return {
          id: placeOrderSagaId(o.orderId),
          data: {
            orderId: o.orderId,
            customerId: o.customer.userId,
            lines: o.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
            postalCode: o.shippingAddress.postalCode,
            units: o.lines.reduce((sum, l) => sum + l.quantity, 0),
            totalCents: o.totalCents,
            subtotalCents: o.subtotalCents,
            currency: o.currency,
            ...(o.couponCode === undefined ? {} : { couponCode: o.couponCode }),
            creditRequestedCents: o.creditRequestedCents ?? 0,
          },
        };
      },
    ),
    steps: [
      {
        name: STEP.open,
        participant: PARTICIPANTS.orders,
        execute: { contract: openOrderV1, payload: order },
        compensate: { contract: failOrderV1, payload: failOrderPayload },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.redeem,
        participant: PARTICIPANTS.users,
        when: (d) => d.couponCode !== undefined,
        execute: {
          contract: redeemCouponV1,
          payload: (d) => ({
            orderId: d.orderId,
            userId: d.customerId,
            code: d.couponCode,
            subtotalCents: d.subtotalCents,
            currency: d.currency,
          }),
        },
        compensate: { contract: unredeemCouponV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.deduct,
        participant: PARTICIPANTS.orders,
        when: hasDeductions,
        execute: {
          contract: applyDeductionsV1,
          payload: (d) => ({ orderId: d.orderId, discountCents: d.discountCents ?? 0 }),
        },
        compensate: { contract: removeDeductionsV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.debit,
        participant: PARTICIPANTS.users,
        when: (d) => (d.creditCents ?? 0) > 0,
        execute: {
          contract: debitCreditV1,
          payload: (d) => ({
            orderId: d.orderId,
            userId: d.customerId,
            amountCents: d.creditCents,
            currency: d.currency,
          }),
        },
        compensate: { contract: giveBackCreditV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.reserve,
        participant: PARTICIPANTS.catalog,
        execute: {
          contract: reserveStockV1,
          payload: (d) => ({ orderId: d.orderId, lines: d.lines }),
        },
        compensate: { contract: releaseStockV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.capture,
        participant: PARTICIPANTS.orders,
        // Coupon and credit may cover the whole order: nothing to charge, so no provider call (a
        // capture of 0 is refused by real providers) and nothing to refund.
        when: (d) => d.totalCents > 0,
        execute: { contract: capturePaymentV1, payload: order },
        compensate: { contract: refundOrderPaymentV1, payload: order },
        timeoutMs: options.paymentTimeoutMs ?? 30_000,
        retry,
      },
      {
        name: STEP.assign,
        participant: PARTICIPANTS.delivery,
        execute: {
          contract: assignShipmentV1,
          payload: (d) => ({
            orderId: d.orderId,
            customerId: d.customerId,
            postalCode: d.postalCode,
            units: d.units,
          }),
        },
        compensate: { contract: cancelDeliveryShipmentV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry,
      },
      {
        name: STEP.commit,
        participant: PARTICIPANTS.catalog,
        execute: { contract: commitStockV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry: pivotRetry,
      },
      {
        name: STEP.confirm,
        participant: PARTICIPANTS.orders,
        execute: { contract: confirmOrderV1, payload: order },
        timeoutMs: stepTimeoutMs,
        retry: pivotRetry,
      },
    ],
  });
}
