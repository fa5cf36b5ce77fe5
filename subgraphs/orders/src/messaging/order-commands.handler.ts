import type { EntityManager } from '@mikro-orm/core';
import { commandHandler, type CommandHandler, type StepOutcome } from '@shop/messaging';
import { assertNever } from '@shop/platform';
import {
  applyDeductionsResultV1,
  applyDeductionsV1,
  capturePaymentResultV1,
  capturePaymentV1,
  completeCancellationV1,
  confirmOrderV1,
  failOrderV1,
  openOrderV1,
  refundOrderPaymentResultV1,
  refundOrderPaymentV1,
  removeDeductionsV1,
} from '@shop/schema';
import type { OrderDeductions } from '../service/order-deductions.service.js';
import type {
  LifecycleDetail,
  LifecycleResult,
  OrderLifecycle,
} from '../service/order-lifecycle.service.js';
import type { PaymentService } from '../service/payment.service.js';
import { captureAnswer, type PaymentCaptures } from './payment-captures.js';

/** A lifecycle verdict as a step outcome: a move or a repeat succeeds, anything else is refused. */
async function step(
  lifecycle: OrderLifecycle,
  em: EntityManager,
  orderId: string,
  detail: LifecycleDetail,
): Promise<StepOutcome> {
  const r: LifecycleResult = await lifecycle.apply(em, orderId, detail);
  switch (r.kind) {
    case 'move':
    case 'noop':
      return { outcome: 'succeeded', result: { status: r.order.status } };
    case 'illegal':
      return { outcome: 'failed', reason: r.message };
    case 'missing':
      return { outcome: 'failed', reason: `no order ${orderId}` };
    default:
      return assertNever(r);
  }
}

/**
 * The `orders` saga participant's commands (order-saga-commands.v1). Each runs inside the
 * participant's transaction, which also writes its log row, inbox row and reply: the status
 * change, its outbox events and the reply commit together. The capture is the exception: it
 * defers its answer and asks the provider after that transaction (see `PaymentCaptures`). The
 * participant makes a command idempotent by saga id + step + action; the handlers are idempotent
 * by order as well (the state machine answers a repeat with `noop`, the payment row and the
 * provider's idempotency keys make a second capture or refund move no money), so two sagas of one
 * order still act once.
 */
export function orderCommandHandlers(
  lifecycle: OrderLifecycle,
  payments: PaymentService,
  captures: PaymentCaptures,
  deductions: OrderDeductions,
): CommandHandler[] {
  return [
    commandHandler(openOrderV1, async (p, { em }): Promise<StepOutcome> => {
      // Nothing to do but check: the saga may go on while the order is PENDING.
      const order = await lifecycle.current(em, p.orderId);
      if (order === null) return { outcome: 'failed', reason: `no order ${p.orderId}` };
      return order.status === 'PENDING'
        ? { outcome: 'succeeded', result: { status: order.status } }
        : { outcome: 'failed', reason: `the order is ${order.status}, not PENDING` };
    }),
    commandHandler(failOrderV1, (p, { em }) =>
      step(lifecycle, em, p.orderId, { event: 'fail', reason: p.reason, undone: p.undone }),
    ),
    commandHandler(applyDeductionsV1, async (p, { em }): Promise<StepOutcome> => {
      const r = await deductions.applyWithin(em, p.orderId, p.discountCents);
      return r.ok
        ? { outcome: 'succeeded', result: applyDeductionsResultV1.parse(r.totals) }
        : { outcome: 'failed', reason: r.reason };
    }),
    commandHandler(removeDeductionsV1, async (p, { em }): Promise<StepOutcome> => {
      await deductions.removeWithin(em, p.orderId);
      return { outcome: 'succeeded' };
    }),
    commandHandler(capturePaymentV1, async (p, { em, saga, afterCommit }): Promise<StepOutcome> => {
      // The saga skips the capture of an order coupon and credit paid in full; a saga started
      // before that rule still must not ask the provider for 0.
      if (await deductions.nothingToCharge(em, p.orderId))
        return {
          outcome: 'succeeded',
          result: capturePaymentResultV1.parse({
            paymentId: `none:${p.orderId}`,
            capturedCents: 0,
          }),
        };
      const claim = crypto.randomUUID();
      const begun = await payments.beginCapture(em, p.orderId, claim);
      if (begun.kind === 'settled') return captureAnswer(begun.outcome);
      // The provider is asked once this transaction committed, outside it (PaymentCaptures).
      afterCommit(() =>
        captures.start(
          p.orderId,
          { sagaId: saga.sagaId, step: saga.step },
          begun.kind === 'claimed' ? claim : undefined,
        ),
      );
      return { outcome: 'deferred', waitingFor: 'the payment provider' };
    }),
    commandHandler(
      refundOrderPaymentV1,
      async (p, { em }): Promise<StepOutcome> => {
        if (await deductions.nothingToCharge(em, p.orderId))
          return { outcome: 'succeeded', result: { refundedCents: 0 } };
        const r = await payments.refundWithin(em, p.orderId);
        return r.ok
          ? {
              outcome: 'succeeded',
              result: refundOrderPaymentResultV1.parse({ refundedCents: r.refundedCents }),
            }
          : { outcome: 'failed', reason: r.reason };
      },
      // The capture it undoes may have charged although its command never recorded a success (it
      // timed out and the saga gave up on it): the refund asks the provider by the capture key.
      { compensatesUnrecordedEffects: true },
    ),
    commandHandler(confirmOrderV1, (p, { em }) =>
      step(lifecycle, em, p.orderId, { event: 'confirm' }),
    ),
    commandHandler(completeCancellationV1, (p, { em }) =>
      step(lifecycle, em, p.orderId, { event: 'complete-cancel' }),
    ),
  ];
}
