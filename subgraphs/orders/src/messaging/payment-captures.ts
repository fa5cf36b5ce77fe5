import type { MikroORM } from '@mikro-orm/mysql';
import {
  completeDeferredStep,
  lockStepExecute,
  type Outbox,
  type StepOutcome,
} from '@shop/messaging';
import type { Logger } from '@shop/platform';
import { capturePaymentResultV1 } from '@shop/schema';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import {
  PaymentOutcomeUnknownError,
  type CaptureOutcome,
  type PaymentService,
} from '../service/payment.service.js';

/** The saga step a deferred capture answers. */
export interface CaptureStep {
  readonly sagaId: string;
  readonly step: number;
}

export interface PaymentCapturesDeps {
  readonly orm: MikroORM;
  readonly outbox: Outbox;
  readonly payments: PaymentService;
  readonly logger: Logger;
  /** After an answer committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
}

/** A capture's outcome as the saga step's answer. */
export function captureAnswer(r: CaptureOutcome): Exclude<StepOutcome, { outcome: 'deferred' }> {
  return r.ok
    ? {
        outcome: 'succeeded',
        result: capturePaymentResultV1.parse({
          paymentId: r.paymentId,
          capturedCents: r.capturedCents,
        }),
      }
    : { outcome: 'failed', reason: r.reason };
}

/**
 * Runs the provider calls of deferred `capture-payment` steps outside the participant's
 * transaction, and answers each step in a transaction of its own (see `PaymentService`).
 *
 * The handler defers the step and calls `start` once its transaction committed. Then:
 * 1. the provider is asked, no transaction open (idempotency keys make a repeat charge once);
 * 2. one transaction locks the step's log row, then the payment row (the participant's own lock
 *    order, so a resend or a compensation of the step and this answer take turns), records the
 *    answer on the payment and replies through `completeDeferredStep`.
 * If the step is no longer deferred at 2 (a compensation closed it, or another run answered),
 * nothing is written: what the provider did is the compensation's to undo (it refunds by the
 * capture key, which also voids a capture that lands after it). An unknown outcome (a timeout)
 * or a crash anywhere leaves the step deferred; the saga resends the command after its step
 * timeout, and the handler defers and starts again.
 *
 * One run per step at a time in this process: a resend that arrives while its step's run is still
 * asking the provider is answered by that run (it reads the step's latest attempt at 2), or, when
 * that run ends without an answer, by one more run right after it.
 */
export class PaymentCaptures {
  private readonly running = new Map<string, { done: Promise<void>; again: boolean }>();

  constructor(private readonly deps: PaymentCapturesDeps) {}

  start(orderId: string, step: CaptureStep): void {
    const key = `${step.sagaId}\u0000${step.step}`;
    const current = this.running.get(key);
    if (current !== undefined) {
      current.again = true;
      return;
    }
    const entry = { done: Promise.resolve(), again: false };
    const loop = async (): Promise<void> => {
      for (;;) {
        entry.again = false;
        const answered = await this.run(orderId, step).catch((err: unknown) => {
          this.deps.logger.error(
            { err, orderId, sagaId: step.sagaId },
            'payment capture failed; the saga resends it',
          );
          return false;
        });
        if (answered || !entry.again) return;
      }
    };
    entry.done = loop().finally(() => this.running.delete(key));
    this.running.set(key, entry);
  }

  /** Waits for the runs in flight (each ends within the provider's deadlines). */
  async close(): Promise<void> {
    while (this.running.size > 0)
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** True when it answered the step. */
  private async run(orderId: string, step: CaptureStep): Promise<boolean> {
    let verdict;
    try {
      verdict = await this.deps.payments.askProvider(orderId);
    } catch (err) {
      if (!(err instanceof PaymentOutcomeUnknownError)) throw err;
      this.deps.logger.warn(
        { orderId, sagaId: step.sagaId, reason: err.message },
        'payment capture outcome unknown; the saga resends it',
      );
      return false;
    }
    const answered = await runTransaction(this.deps.orm, async (em) => {
      if ((await lockStepExecute(em, step)) !== 'deferred') return false;
      const outcome = await this.deps.payments.recordCapture(em, orderId, verdict);
      return completeDeferredStep(em, this.deps.outbox, step, captureAnswer(outcome));
    });
    if (answered) this.deps.afterCommit?.();
    return answered;
  }
}
