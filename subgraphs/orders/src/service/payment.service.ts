import type { EntityManager } from '@mikro-orm/core';
import { paymentKeys } from '../domain/payment.js';
import type { OrderRepository } from '../persistence/order.repository.js';
import {
  REFUSAL_MESSAGES,
  type PaymentProvider,
  type ProviderAnswer,
  type ProviderRefusal,
} from './payment-provider.js';

export type CaptureOutcome =
  | { readonly ok: true; readonly paymentId: string; readonly capturedCents: number }
  | { readonly ok: false; readonly reason: string };

export type RefundOutcome =
  | { readonly ok: true; readonly refundedCents: number }
  | { readonly ok: false; readonly reason: string };

export interface PaymentServiceOptions {
  /** Deadline of one provider call. @default 5000 */
  readonly timeoutMs?: number;
  /** Attempts of a call the provider answered `unavailable` (same idempotency key). @default 3 */
  readonly attempts?: number;
}

type Failure = { readonly ok: false; readonly refusal: ProviderRefusal | 'timeout' };

/**
 * Takes and gives back an order's money through the provider port, inside the caller's
 * transaction (the saga participant's), with the payment row locked. Every provider call carries
 * the order's idempotency key (`authorize:`, `capture:`, `refund:<orderId>`), so a command that
 * runs again after a crash, a rollback or a resend moves money once: the provider answers the
 * repeated key from its books. The payment row is the order's own record of what happened.
 */
export class PaymentService {
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(
    private readonly repo: OrderRepository,
    private readonly provider: PaymentProvider,
    options: PaymentServiceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.attempts = options.attempts ?? 3;
  }

  /** Authorises and captures the order's total. A repeat answers what the first capture did. */
  async captureWithin(em: EntityManager, orderId: string): Promise<CaptureOutcome> {
    const payment = await this.repo.lockPayment(em, orderId);
    if (payment === null) return { ok: false, reason: 'no payment was recorded for this order' };
    switch (payment.status) {
      case 'CAPTURED':
        return {
          ok: true,
          paymentId: payment.captureRef ?? orderId,
          capturedCents: payment.capturedCents,
        };
      case 'FAILED':
        return { ok: false, reason: payment.failureReason ?? REFUSAL_MESSAGES.declined };
      case 'REFUNDED':
        return { ok: false, reason: 'the payment was already refunded' };
      case 'PENDING':
        break;
    }
    const keys = paymentKeys(orderId);
    const auth = await this.call((signal) =>
      this.provider.authorize(
        {
          token: payment.cardToken,
          amountCents: payment.amountCents,
          currency: payment.currency,
          idempotencyKey: keys.authorize,
        },
        signal,
      ),
    );
    if (!auth.ok) return this.refused(em, orderId, auth);
    const capture = await this.call((signal) =>
      this.provider.capture(
        {
          authorizationRef: auth.reference,
          amountCents: payment.amountCents,
          idempotencyKey: keys.capture,
        },
        signal,
      ),
    );
    if (!capture.ok) return this.refused(em, orderId, capture, auth.reference);
    await this.repo.updatePayment(em, orderId, {
      status: 'CAPTURED',
      authorizationRef: auth.reference,
      captureRef: capture.reference,
      capturedCents: payment.amountCents,
      failureCode: null,
      failureReason: null,
    });
    return { ok: true, paymentId: capture.reference, capturedCents: payment.amountCents };
  }

  /**
   * Refunds what was captured for the order, once. The provider is asked whatever the payment row
   * says (except REFUNDED): a capture whose transaction rolled back, or that timed out on our side,
   * may still have been made there, and the refund finds it by the capture key; nothing captured
   * refunds 0.
   */
  async refundWithin(em: EntityManager, orderId: string): Promise<RefundOutcome> {
    const payment = await this.repo.lockPayment(em, orderId);
    if (payment === null) return { ok: true, refundedCents: 0 };
    if (payment.status === 'REFUNDED') return { ok: true, refundedCents: 0 };
    const keys = paymentKeys(orderId);
    const refund = await this.call((signal) =>
      this.provider.refund(
        {
          captureKey: keys.capture,
          amountCents: payment.amountCents,
          idempotencyKey: keys.refund,
        },
        signal,
      ),
    );
    if (!refund.ok) return { ok: false, reason: REFUSAL_MESSAGES[refund.refusal] };
    if (refund.refundedCents === 0) return { ok: true, refundedCents: 0 };
    await this.repo.updatePayment(em, orderId, {
      status: 'REFUNDED',
      refundRef: refund.reference,
      refundedCents: refund.refundedCents,
      ...(payment.status === 'CAPTURED' ? {} : { capturedCents: refund.refundedCents }),
    });
    return { ok: true, refundedCents: refund.refundedCents };
  }

  private async refused(
    em: EntityManager,
    orderId: string,
    failure: Failure,
    authorizationRef?: string,
  ): Promise<CaptureOutcome> {
    const reason = REFUSAL_MESSAGES[failure.refusal];
    await this.repo.updatePayment(em, orderId, {
      status: 'FAILED',
      failureCode: failure.refusal,
      failureReason: reason,
      ...(authorizationRef === undefined ? {} : { authorizationRef }),
    });
    return { ok: false, reason };
  }

  /**
   * One provider call with its deadline; an `unavailable` answer is asked again (same key, so
   * safe) up to `attempts` times. A timeout is not retried here: the saga's own step timeout and
   * the refund by capture key cover a call that may have landed.
   */
  private async call<K extends 'authorize' | 'capture' | 'refund'>(
    send: (signal: AbortSignal) => Promise<ProviderAnswer<K>>,
  ): Promise<ProviderAnswer<K> | Failure> {
    let answer: ProviderAnswer<K> | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        answer = await send(signal);
      } catch (err) {
        if (signal.aborted) return { ok: false, refusal: 'timeout' };
        throw err;
      }
      if (answer.ok || answer.refusal !== 'unavailable') return answer;
    }
    return answer ?? { ok: false, refusal: 'unavailable' };
  }
}
