import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/mysql';
import { StepOutcomeUnknownError } from '@shop/messaging';
import { assertNever } from '@shop/platform';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import { paymentKeys } from '../domain/payment.js';
import type { PaymentRecord } from '../persistence/order.entity.js';
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

const NO_PAYMENT: CaptureOutcome = { ok: false, reason: 'no payment was recorded for this order' };

/** A capture's refusal as a verdict: `unsure` unless the provider said nothing is captured. */
const refusal = (
  why: ProviderRefusal | 'timeout',
  authorizationRef: string | undefined,
): CaptureVerdict => {
  const auth = authorizationRef === undefined ? {} : { authorizationRef };
  return why === 'timeout' || why === 'unavailable'
    ? { kind: 'unsure', refusal: why, ...auth }
    : { kind: 'refused', refusal: why, ...auth };
};

/** What a settled payment row answers a capture; undefined while it is PENDING. */
function answerOf(payment: PaymentRecord): CaptureOutcome | undefined {
  switch (payment.status) {
    case 'CAPTURED':
      return {
        ok: true,
        paymentId: payment.captureRef ?? payment.orderId,
        capturedCents: payment.capturedCents,
      };
    case 'FAILED':
      return { ok: false, reason: payment.failureReason ?? REFUSAL_MESSAGES.declined };
    case 'REFUNDED':
      return { ok: false, reason: 'the payment was already refunded' };
    case 'PENDING':
      return undefined;
    default:
      return assertNever(payment.status);
  }
}

/**
 * A money-moving provider call whose outcome we do not know: it timed out (the charge or refund may
 * have landed after our deadline), or a refund the provider could not take yet. Never a refusal:
 * nothing is replied (a refund's participant records nothing, `StepOutcomeUnknownError`; a
 * capture's step stays deferred), and the saga resends the command after its step timeout, run
 * again with the same idempotency keys, which the provider answers from its books; past the
 * step's last attempt the saga compensates the step itself (the refund by capture key). Thrown
 * before anything is written.
 */
export class PaymentOutcomeUnknownError extends StepOutcomeUnknownError {
  override readonly name = 'PaymentOutcomeUnknownError';

  constructor(
    call: 'capture' | 'refund',
    orderId: string,
    why: ProviderRefusal | 'timeout' | 'busy',
  ) {
    super(`payment ${call} of order ${orderId}: outcome unknown (${why}); will be asked again`);
  }
}

/**
 * What the provider answered about an order's capture, asked outside any transaction
 * (`askProvider`) and then recorded in one (`recordCapture`).
 */
export type CaptureVerdict =
  | {
      readonly kind: 'captured';
      readonly authorizationRef: string;
      readonly captureRef: string;
    }
  /** The provider's word that nothing is captured under the key (a declined card). */
  | {
      readonly kind: 'refused';
      readonly refusal: ProviderRefusal;
      readonly authorizationRef?: string;
    }
  /**
   * Refused without that word (the authorisation timed out, or the provider was unavailable): an
   * earlier try may have charged under the capture key, so the key is closed (`recordCapture`)
   * before the refusal is given.
   */
  | {
      readonly kind: 'unsure';
      readonly refusal: 'timeout' | 'unavailable';
      readonly authorizationRef?: string;
    }
  /** The payment row was no longer PENDING (or missing) when asked: the row answers. */
  | { readonly kind: 'settled' };

/**
 * Takes and gives back an order's money through the provider port. Every provider call carries
 * the order's idempotency key (`authorize:`, `capture:`, `refund:<orderId>`), so a command that
 * runs again after a crash, a rollback or a resend moves money once: the provider answers the
 * repeated key from its books. The payment row is the order's own record of what happened.
 *
 * A capture asks the provider outside any transaction (`askProvider`) and records the answer in a
 * short one (`recordCapture`): a provider call can take its whole deadline, and holding a pool
 * connection and the payment row's lock across it let slow provider answers starve the service's
 * pool (issue 12). A refund still runs inside its compensation's transaction (see `refundWithin`).
 *
 * The row lock also kept two captures of one order apart. A capture refused for a timeout closes
 * the capture key by refunding under it, which must never give back a charge another capture of
 * the order (a second saga, or a resend on another process) recorded or is about to record as
 * CAPTURED. So that refund runs in `recordCapture`, with the payment row locked and still
 * PENDING: whichever records first settles the row, and the other answers from it. Besides, a
 * capture takes the payment's claim first (`claimCapture`, a lease on the row by conditional
 * UPDATE), so two captures of one order do not ask the provider at once, and records only while
 * the claim is its own: a run that outlived its lease writes nothing; the one that took over
 * answers.
 */
export class PaymentService {
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly repo: OrderRepository,
    private readonly provider: PaymentProvider,
    options: PaymentServiceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.attempts = options.attempts ?? 3;
  }

  /**
   * How long a capture's claim lasts: its two provider calls (authorise, capture), each asked up to
   * `attempts` times at one deadline, and a second. A run that outlives it (a stalled process)
   * records nothing (`recordCapture` checks the claim); its provider calls are idempotent and move
   * no money back, so it cannot undo another's charge either.
   */
  get claimMs(): number {
    return 2 * this.attempts * this.timeoutMs + 1000;
  }

  /**
   * Authorises and captures the order's total. A repeat answers what the first capture did.
   *
   * @throws PaymentOutcomeUnknownError when the provider did not say, or another capture of the
   *   order holds the claim (ask again later).
   */
  async capture(orderId: string): Promise<CaptureOutcome> {
    const claim = crypto.randomUUID();
    const claimed = await this.claimCapture(orderId, claim);
    if (claimed === 'busy') throw new PaymentOutcomeUnknownError('capture', orderId, 'busy');
    try {
      const verdict: CaptureVerdict =
        claimed === 'settled' ? { kind: 'settled' } : await this.askProvider(orderId);
      const outcome = await runTransaction(this.orm, (em) =>
        this.recordCapture(em, orderId, verdict, claim),
      );
      if (outcome === undefined) throw new PaymentOutcomeUnknownError('capture', orderId, 'busy');
      return outcome;
    } finally {
      await this.releaseCapture(orderId, claim);
    }
  }

  /**
   * Takes the payment's capture claim for `claimMs` (see the class comment): `claimed`, `settled`
   * when the payment is no longer PENDING (or missing: the row answers), `busy` while another
   * capture holds an unexpired claim. In its own short transaction.
   */
  async claimCapture(orderId: string, claim: string): Promise<'claimed' | 'settled' | 'busy'> {
    return runTransaction(this.orm, async (em) => {
      if (await this.repo.claimCapture(em, orderId, claim, this.claimMs)) return 'claimed';
      const payment = await this.repo.payment(em, orderId);
      return payment?.status === 'PENDING' ? 'busy' : 'settled';
    });
  }

  /**
   * Renews the claim for another `claimMs` if it is still `claim` and has not expired: for a run
   * that waited (for a slot) after taking it, before it asks the provider. False: it was lost.
   */
  async renewCapture(orderId: string, claim: string): Promise<boolean> {
    return runTransaction(this.orm, (em) =>
      this.repo.renewCapture(em, orderId, claim, this.claimMs),
    );
  }

  /** Gives the claim back once the capture is recorded or given up (a no-op if it expired). */
  async releaseCapture(orderId: string, claim: string): Promise<void> {
    await runTransaction(this.orm, (em) => this.repo.releaseCapture(em, orderId, claim));
  }

  /**
   * In the capture command's transaction (locks the payment row): the capture's answer when the
   * row already holds one (CAPTURED, FAILED, REFUNDED or no payment); otherwise takes the claim
   * under `claim` when it is free (`claimed`: it holds from this transaction's commit, so the run
   * started after it needs no transaction of its own to take it) or leaves it to its holder
   * (`busy`).
   */
  async beginCapture(
    em: EntityManager,
    orderId: string,
    claim: string,
  ): Promise<{ kind: 'settled'; outcome: CaptureOutcome } | { kind: 'claimed' | 'busy' }> {
    const payment = await this.repo.lockPayment(em, orderId);
    const settled = payment === null ? NO_PAYMENT : answerOf(payment);
    if (settled !== undefined) return { kind: 'settled', outcome: settled };
    const claimed = await this.repo.claimCapture(em, orderId, claim, this.claimMs);
    return { kind: claimed ? 'claimed' : 'busy' };
  }

  /**
   * Asks the provider to authorise and capture the order's total, outside any transaction; writes
   * nothing. Only while holding the payment's capture claim (`claimCapture`). A settled payment
   * row is not asked about again (`settled`).
   *
   * @throws PaymentOutcomeUnknownError when the capture may have charged and the provider did not
   *   say (a timeout).
   */
  async askProvider(orderId: string): Promise<CaptureVerdict> {
    const payment = await this.repo.payment(this.orm.em.fork(), orderId);
    if (payment?.status !== 'PENDING') return { kind: 'settled' };
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
    if (!auth.ok) return refusal(auth.refusal, undefined);
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
    if (!capture.ok) return refusal(capture.refusal, auth.reference);
    return { kind: 'captured', authorizationRef: auth.reference, captureRef: capture.reference };
  }

  /**
   * Records what the provider answered (`askProvider`) under `claim` in the caller's transaction,
   * with the payment row locked, and returns the capture's outcome. A row no longer PENDING
   * answers for itself: a refund (the saga's compensation) settled it while the provider was
   * asked, and the provider's books agree (the refund closed the capture key). Undefined, writing
   * nothing, when the claim is no longer `claim` (it expired and another capture took it over).
   * An `unsure` refusal closes the capture key first, calling the provider (see `closeKey`).
   * Recording settles the row, which ends the claim (`updatePayment` clears it).
   *
   * @throws PaymentOutcomeUnknownError when closing the key went unanswered.
   */
  async recordCapture(
    em: EntityManager,
    orderId: string,
    verdict: CaptureVerdict,
    claim: string,
  ): Promise<CaptureOutcome | undefined> {
    const payment = await this.repo.lockPayment(em, orderId);
    if (payment === null) return NO_PAYMENT;
    const settled = answerOf(payment);
    if (settled !== undefined) return settled;
    if (payment.captureClaim !== claim) return undefined;
    switch (verdict.kind) {
      case 'settled':
        // Asked while the row was settled, yet PENDING now: rows never go back to PENDING.
        throw new Error(`payment of order ${orderId} is PENDING again`);
      case 'captured':
        await this.repo.updatePayment(em, orderId, {
          status: 'CAPTURED',
          authorizationRef: verdict.authorizationRef,
          captureRef: verdict.captureRef,
          capturedCents: payment.amountCents,
          failureCode: null,
          failureReason: null,
        });
        return { ok: true, paymentId: verdict.captureRef, capturedCents: payment.amountCents };
      case 'unsure':
        return this.closeKey(em, orderId, payment.amountCents, verdict);
      case 'refused': {
        const reason = REFUSAL_MESSAGES[verdict.refusal];
        await this.repo.updatePayment(em, orderId, {
          status: 'FAILED',
          failureCode: verdict.refusal,
          failureReason: reason,
          ...(verdict.authorizationRef === undefined
            ? {}
            : { authorizationRef: verdict.authorizationRef }),
        });
        return { ok: false, reason };
      }
      default:
        return assertNever(verdict);
    }
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
   * Gives an `unsure` refusal, which the saga takes as final (it compensates only the steps before
   * the capture), only once nothing can be kept under the capture key: this may be a retry whose
   * earlier try charged (its answer came too late), so it first refunds by the capture key (a
   * landed charge is refunded, an empty key voided so nothing lands later) and records what that
   * did; unanswered, the outcome stays unknown (throws, and the transaction writes nothing).
   *
   * Called by `recordCapture` with the payment row locked and still PENDING, so it is the only
   * money-moving call that runs inside a transaction on the capture path: a capture of the order
   * that recorded CAPTURED first is never refunded from here (this one then answers from the
   * row), and one that records after this finds the row settled.
   */
  private async closeKey(
    em: EntityManager,
    orderId: string,
    amountCents: number,
    verdict: Extract<CaptureVerdict, { kind: 'unsure' }>,
  ): Promise<CaptureOutcome> {
    const keys = paymentKeys(orderId);
    const auth =
      verdict.authorizationRef === undefined ? {} : { authorizationRef: verdict.authorizationRef };
    const closed = await this.call((signal) =>
      this.provider.refund(
        { captureKey: keys.capture, amountCents, idempotencyKey: keys.refund },
        signal,
      ),
    );
    if (!closed.ok) throw new PaymentOutcomeUnknownError('capture', orderId, verdict.refusal);
    if (closed.refundedCents > 0) {
      await this.repo.updatePayment(em, orderId, {
        status: 'REFUNDED',
        capturedCents: closed.refundedCents,
        refundRef: closed.reference,
        refundedCents: closed.refundedCents,
        failureCode: verdict.refusal,
        failureReason: REFUNDED_REASON,
        ...auth,
      });
      return { ok: false, reason: REFUNDED_REASON };
    }
    const reason = REFUSAL_MESSAGES[verdict.refusal];
    await this.repo.updatePayment(em, orderId, {
      status: 'FAILED',
      failureCode: verdict.refusal,
      failureReason: reason,
      ...auth,
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
