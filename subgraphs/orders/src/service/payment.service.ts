import type { EntityManager } from '@mikro-orm/core';
import { StepOutcomeUnknownError } from '@shop/messaging';
import { paymentKeys } from '../domain/payment.js';
import type { OrderRepository } from '../persistence/order.repository.js';
import {
  REFUSAL_MESSAGES,
  type PaymentProvider,
  type ProviderAnswer,
  type ProviderRefusal,
} from './payment-provider.js';

/** Why a capture refused on a retry gave back what an earlier try of it had charged. */
const REFUNDED_REASON =
  'The payment provider did not confirm the payment in time; the amount charged was refunded.';

/** Why a payment voided by a refund before any capture took nothing. */
const VOIDED_REASON = 'The payment was cancelled before any charge; nothing was charged.';

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
 * A money-moving provider call whose outcome we do not know: it timed out (the charge or refund may
 * have landed after our deadline), or a refund the provider could not take yet. Never a refusal:
 * the saga participant records nothing and replies nothing (`StepOutcomeUnknownError`), and the
 * saga resends the command after its step timeout, run again with the same idempotency keys,
 * which the provider answers from its books; past the step's last attempt the saga compensates
 * the step itself (the refund by capture key). Thrown before anything is written.
 */
export class PaymentOutcomeUnknownError extends StepOutcomeUnknownError {
  override readonly name = 'PaymentOutcomeUnknownError';

  constructor(call: 'capture' | 'refund', orderId: string, why: ProviderRefusal | 'timeout') {
    super(`payment ${call} of order ${orderId}: outcome unknown (${why}); will be asked again`);
  }
}

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
    if (!auth.ok) return this.refused(em, orderId, auth, undefined, payment.amountCents);
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
    // A timed-out capture may have charged: not a refusal (the saga would compensate only the steps
    // before this one, leaving the charge). A refusal the provider gave is final: nothing captured.
    if (!capture.ok && capture.refusal === 'timeout')
      throw new PaymentOutcomeUnknownError('capture', orderId, 'timeout');
    if (!capture.ok) return this.refused(em, orderId, capture, auth.reference, payment.amountCents);
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
   * may still have been made there, and the refund finds it by the capture key. Nothing captured
   * refunds 0 and voids the capture key at the provider, and the payment ends FAILED (voided), so
   * neither a late capture there nor a late capture command here can charge afterwards. A refund
   * the provider did not answer, or answered `unavailable`, throws `PaymentOutcomeUnknownError`
   * (retried with the same key) instead of refusing: money owed back is never given up on quickly.
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
    if (!refund.ok && (refund.refusal === 'timeout' || refund.refusal === 'unavailable'))
      throw new PaymentOutcomeUnknownError('refund', orderId, refund.refusal);
    if (!refund.ok) return { ok: false, reason: REFUSAL_MESSAGES[refund.refusal] };
    if (refund.refundedCents === 0) {
      if (payment.status === 'PENDING')
        await this.repo.updatePayment(em, orderId, {
          status: 'FAILED',
          failureCode: 'voided',
          failureReason: VOIDED_REASON,
        });
      return { ok: true, refundedCents: 0 };
    }
    await this.repo.updatePayment(em, orderId, {
      status: 'REFUNDED',
      refundRef: refund.reference,
      refundedCents: refund.refundedCents,
      ...(payment.status === 'CAPTURED' ? {} : { capturedCents: refund.refundedCents }),
    });
    return { ok: true, refundedCents: refund.refundedCents };
  }

  /**
   * Records and answers a capture's refusal, which the saga takes as final (it compensates only the
   * steps before the capture). A declined card is the provider's word that nothing is captured
   * under the key: an authorisation or capture it answered before is answered the same from its
   * books. A timeout or `unavailable` is not: this command may be a retry whose earlier try
   * charged and rolled back (its answer came too late). So such a refusal first closes the capture
   * key, refunding by it (a landed charge is refunded, an empty key voided so nothing lands later),
   * and is given only once the provider answered that; unanswered, the outcome stays unknown.
   */
  private async refused(
    em: EntityManager,
    orderId: string,
    failure: Failure,
    authorizationRef: string | undefined,
    amountCents: number,
  ): Promise<CaptureOutcome> {
    const reason = REFUSAL_MESSAGES[failure.refusal];
    if (failure.refusal === 'timeout' || failure.refusal === 'unavailable') {
      const keys = paymentKeys(orderId);
      const closed = await this.call((signal) =>
        this.provider.refund(
          { captureKey: keys.capture, amountCents, idempotencyKey: keys.refund },
          signal,
        ),
      );
      if (!closed.ok) throw new PaymentOutcomeUnknownError('capture', orderId, failure.refusal);
      if (closed.refundedCents > 0) {
        await this.repo.updatePayment(em, orderId, {
          status: 'REFUNDED',
          capturedCents: closed.refundedCents,
          refundRef: closed.reference,
          refundedCents: closed.refundedCents,
          failureCode: failure.refusal,
          failureReason: REFUNDED_REASON,
          ...(authorizationRef === undefined ? {} : { authorizationRef }),
        });
        return { ok: false, reason: REFUNDED_REASON };
      }
    }
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
   * safe) up to `attempts` times. A timeout is not retried here but answered as `timeout`: the
   * caller decides what it means (an authorisation that timed out took no money; a capture or
   * refund that timed out is unknown, see `PaymentOutcomeUnknownError`).
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
