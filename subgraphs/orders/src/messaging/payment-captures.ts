import { setTimeout as sleep } from 'node:timers/promises';
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
  type CaptureVerdict,
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
  /** Captures asking the provider at once; more wait their turn. @default 16 */
  readonly maxRuns?: number;
}

/** How often a capture waiting for another's claim on the payment looks again. */
const CLAIM_POLL_MS = 100;

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
 * The handler defers the step, taking the payment's capture claim in the same transaction when it
 * is free, and calls `start` once that committed. Then:
 * 1. a run without the claim takes it, waiting (up to one claim's length) while another capture
 *    of the order holds it: two captures of one order never ask the provider at once;
 * 2. the provider is asked to authorise and capture, no transaction open (idempotency keys make a
 *    repeat charge once);
 * 3. one transaction locks the step's log row, then the payment row (the participant's order: a
 *    resend or a compensation of the step takes the log row first too, so they take turns; a
 *    deadlock, if the log row's shared lock from a resend's insert meets this one, is retried),
 *    records the answer on the payment if the claim is still this run's (a refusal without the
 *    provider's word that nothing is charged first closes the capture key, by a refund, there:
 *    see `PaymentService.closeKey`), and replies through `completeDeferredStep`; recording ends
 *    the claim; 4. a run that recorded nothing gives the claim back.
 * If the step is no longer deferred at 3 (a compensation closed it, or another run answered),
 * nothing is written: what the provider did is the compensation's to undo (it refunds by the
 * capture key, which also voids a capture that lands after it). An unknown outcome (a timeout),
 * a claim held too long elsewhere, or a crash anywhere leaves the step deferred; the saga resends
 * the command after its step timeout, and the handler defers and starts again. So does a commit
 * whose acknowledgement was lost: the consumer's retry is a duplicate and starts nothing.
 *
 * One run per step at a time in this process: a resend that arrives while its step's run is still
 * going is answered by that run (it reads the step's latest attempt at 3), or, when that run ends
 * without an answer, by one more run right after it. At most `maxRuns` ask the provider and
 * answer at once; the others wait their turn holding no connection, their claim's lease running:
 * a run that waited renews its claim before asking and gives up (deferred) if it was lost.
 * Closing starts no new run and lets those in flight end.
 */
export class PaymentCaptures {
  private readonly running = new Map<
    string,
    { done: Promise<void>; again: boolean; claim: string | undefined }
  >();
  private readonly maxRuns: number;
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private closing = false;

  constructor(private readonly deps: PaymentCapturesDeps) {
    this.maxRuns = deps.maxRuns ?? 16;
  }

  /**
   * Starts the step's run. `claim`: the payment's capture claim the command's transaction took
   * (`PaymentService.beginCapture`), or undefined when another holds it (the run waits for it).
   */
  start(orderId: string, step: CaptureStep, claim?: string): void {
    const key = `${step.sagaId}\u0000${step.step}`;
    const current = this.running.get(key);
    if (current !== undefined) {
      // The run after this one starts with the newer claim rather than wait for it to expire.
      current.again = true;
      current.claim = claim ?? current.claim;
      return;
    }
    const entry = { done: Promise.resolve(), again: false, claim };
    const loop = async (): Promise<void> => {
      for (;;) {
        entry.again = false;
        const held = entry.claim;
        entry.claim = undefined;
        const answered = await this.run(orderId, step, held).catch((err: unknown) => {
          this.deps.logger.error(
            { err, orderId, sagaId: step.sagaId },
            'payment capture failed; the saga resends it',
          );
          return false;
        });
        if (answered || !entry.again || this.closing) {
          // Before any await: a start() from now on begins a run of its own.
          this.running.delete(key);
          return;
        }
      }
    };
    this.running.set(key, entry);
    entry.done = loop();
  }

  /** Lets the runs in flight finish (each ends within the provider's deadlines); starts no more. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.running.size > 0)
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Runs `work(waited)` in a slot; `waited`: it queued for one first. */
  private async turn<T>(work: (waited: boolean) => Promise<T>): Promise<T> {
    const waited = this.active >= this.maxRuns;
    if (waited) await new Promise<void>((go) => this.queue.push(go));
    else this.active++;
    try {
      return await work(waited);
    } finally {
      // Hand the slot straight to the next in line (active stays), or free it.
      const next = this.queue.shift();
      if (next === undefined) this.active--;
      else next();
    }
  }

  /** True when it answered the step. `held`: a claim already taken for it. */
  private async run(orderId: string, step: CaptureStep, held?: string): Promise<boolean> {
    const { payments, logger } = this.deps;
    if (this.closing) {
      if (held !== undefined) await this.release(orderId, held);
      return false;
    }
    const claim = held ?? crypto.randomUUID();
    let recorded = false;
    // Waiting for another capture's claim takes no slot: only asking and answering do.
    const claimed = held !== undefined ? 'claimed' : await this.claim(orderId, claim);
    if (claimed === 'busy') {
      logger.warn(
        { orderId, sagaId: step.sagaId },
        'another capture of this order holds its claim; the saga resends this one',
      );
      return false;
    }
    try {
      return await this.turn(async (waited) => {
        // The claim's lease ran while this run queued for a slot: ask only while it still holds
        // (renewed), or a run of another process that took it over could be asking too.
        if (waited && claimed === 'claimed' && !(await payments.renewCapture(orderId, claim))) {
          logger.warn(
            { orderId, sagaId: step.sagaId },
            'capture claim expired while queued; the saga resends this one',
          );
          return false;
        }
        try {
          const verdict: CaptureVerdict =
            claimed === 'claimed' ? await payments.askProvider(orderId) : { kind: 'settled' };
          const done = await runTransaction(this.deps.orm, async (em) => {
            if ((await lockStepExecute(em, step)) !== 'deferred') return { answered: false };
            const outcome = await payments.recordCapture(em, orderId, verdict, claim);
            // The claim expired and another capture took it over: that one records and answers.
            if (outcome === undefined) return { answered: false };
            const answer = captureAnswer(outcome);
            return { answered: await completeDeferredStep(em, this.deps.outbox, step, answer) };
          });
          // Committed: the row is settled (recorded here or before), and its claim ended with it.
          recorded = done.answered;
          if (done.answered) this.deps.afterCommit?.();
          return done.answered;
        } catch (err) {
          if (!(err instanceof PaymentOutcomeUnknownError)) throw err;
          logger.warn(
            { orderId, sagaId: step.sagaId, reason: err.message },
            'payment capture outcome unknown; the saga resends it',
          );
          return false;
        }
      });
    } finally {
      if (!recorded) await this.release(orderId, claim);
    }
  }

  private async release(orderId: string, claim: string): Promise<void> {
    await this.deps.payments
      .releaseCapture(orderId, claim)
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { err, orderId },
          'could not give the capture claim back; it expires',
        ),
      );
  }

  /** The capture claim, waiting while another capture of the order holds it (one claim's length). */
  private async claim(orderId: string, claim: string): Promise<'claimed' | 'settled' | 'busy'> {
    const until = Date.now() + this.deps.payments.claimMs + 1000;
    for (;;) {
      const got = await this.deps.payments.claimCapture(orderId, claim);
      if (got !== 'busy' || this.closing || Date.now() >= until) return got;
      await sleep(CLAIM_POLL_MS);
    }
  }
}
