import {
  cancelDeliveryShipmentV1,
  completeCancellationV1,
  giveBackCreditV1,
  orderCancelRequestedV1,
  refundOrderPaymentV1,
  restockOrderV1,
  TOPICS,
  unredeemCouponV1,
} from '@shop/schema';
import { z } from 'zod';
import { defineSaga, triggeredBy } from '../engine/saga-definition.js';
import { PARTICIPANTS } from './place-order.saga.js';

export const CANCEL_ORDER_SAGA = 'cancel-order';

/** The saga id of an order's cancellation: one saga per order, however often it is requested. */
export const cancelOrderSagaId = (orderId: string): string => `co:${orderId}`;

/**
 * Every step needs only the order id: catalog restocks from its own reservation, orders refunds
 * what its payment records say was captured, delivery cancels the order's shipment.
 */
export const cancelOrderData = z.object({
  orderId: z.string().min(1).max(40),
  userId: z.string().min(1),
});
export type CancelOrderData = z.infer<typeof cancelOrderData>;

export interface CancelOrderSagaOptions {
  /** Per-attempt reply timeout of the local steps. @default 10000 */
  readonly stepTimeoutMs?: number;
  /** Per-attempt reply timeout of the refund (a provider call inside). @default 30000 */
  readonly paymentTimeoutMs?: number;
  /** Sends of each step before the saga is parked. @default 10 */
  readonly maxAttempts?: number;
  /** Where `orders.order-cancel-requested@1` is read from. @default 'orders.events' */
  readonly ordersEventsTopic?: string;
}

/**
 * The cancel-order saga, started by `orders.order-cancel-requested@1` on `orders.events` (saga id
 * `co:<orderId>`), for a CONFIRMED order that orders moved to CANCELLING:
 *
 * | # | step                  | participant | command                         |
 * |---|-----------------------|-------------|---------------------------------|
 * | 0 | cancel-shipment       | delivery    | delivery.cancel-shipment@1      |
 * | 1 | restock-order         | catalog     | catalog.restock-order@1         |
 * | 2 | refund-payment        | orders      | orders.refund-payment@1         |
 * | 3 | unredeem-coupon       | users       | users.unredeem-coupon@1         |
 * | 4 | give-back-credit      | users       | users.give-back-credit@1        |
 * | 5 | complete-cancellation | orders      | orders.complete-cancellation@1  |
 *
 * The coupon and the store credit go back before the order reads CANCELLED. Both are keyed by the
 * order id alone and are no-ops for an order that used neither (users finds no redemption and no
 * debit), so they are always sent rather than conditioned on data this saga does not carry.
 *
 * The shipment is cancelled first, against the listed order (release, refund, cancel):
 * it is the one step a participant may refuse (the partner picked the parcel up meanwhile), and
 * it must be refused before anything is given back: the other way round a parcel on its way would
 * leave with its stock restocked and its price refunded. Refused, the saga parks with nothing
 * undone and the order flagged for a person.
 *
 * Forward-only: no step has a compensation (a cancellation is not undone by charging again), so
 * every step is retried until it answers and the engine never steps over one. Unanswered, a step
 * is resent every 10 s (30 s for the refund, which calls the payment provider), 10 times; then the
 * saga is parked as NEEDS_ATTENTION and `sagas.saga-parked@1` tells orders, which lists the order
 * for its admins; a late reply still resumes it. A refusal (the participant's final word: a parcel
 * already picked up cannot be cancelled) parks the saga at once: repeating the command would get
 * the same recorded answer. A participant that fails for a transient reason (the provider down)
 * throws instead; its consumer retries with backoff and the orchestrator resends.
 */
export function cancelOrderSaga(options: CancelOrderSagaOptions = {}) {
  const timeoutMs = options.stepTimeoutMs ?? 10_000;
  const retry = { maxAttempts: options.maxAttempts ?? 10, backoffMs: 1000 };
  const order = (d: CancelOrderData) => ({ orderId: d.orderId });
  return defineSaga<CancelOrderData>({
    type: CANCEL_ORDER_SAGA,
    data: cancelOrderData,
    subject: (d) => d.orderId,
    trigger: triggeredBy(
      options.ordersEventsTopic ?? TOPICS.ordersEvents,
      orderCancelRequestedV1,
      (event) => ({
        id: cancelOrderSagaId(event.data.orderId),
        data: { orderId: event.data.orderId, userId: event.data.userId },
      }),
    ),
    steps: [
      {
        name: 'cancel-shipment',
        participant: PARTICIPANTS.delivery,
        execute: { contract: cancelDeliveryShipmentV1, payload: order },
        timeoutMs,
        retry,
      },
      {
        name: 'restock-order',
        participant: PARTICIPANTS.catalog,
        execute: { contract: restockOrderV1, payload: order },
        timeoutMs,
        retry,
      },
      {
        name: 'refund-payment',
        participant: PARTICIPANTS.orders,
        execute: { contract: refundOrderPaymentV1, payload: order },
        timeoutMs: options.paymentTimeoutMs ?? 30_000,
        retry,
      },
      {
        name: 'unredeem-coupon',
        participant: PARTICIPANTS.users,
        execute: { contract: unredeemCouponV1, payload: order },
        timeoutMs,
        retry,
      },
      {
        name: 'give-back-credit',
        participant: PARTICIPANTS.users,
        execute: { contract: giveBackCreditV1, payload: order },
        timeoutMs,
        retry,
      },
      {
        name: 'complete-cancellation',
        participant: PARTICIPANTS.orders,
        execute: { contract: completeCancellationV1, payload: order },
        timeoutMs,
        retry,
      },
    ],
  });
}
