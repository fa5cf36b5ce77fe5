import { setTimeout as sleep } from 'node:timers/promises';
import { untilAborted } from '@shop/platform';

/**
 * One call's answer: a value, or why not and whether another try may help. `uncertain`: the call
 * got no answer (its deadline passed, or it threw), so its effect may have happened anyway.
 */
export type CallAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly retry: boolean;
      readonly message: string;
      readonly uncertain?: boolean;
    };

export type RetriedOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | {
      readonly ok: false;
      readonly message: string;
      readonly attempts: number;
      /** The last answer said another try may help, but the attempts or the budget ran out. */
      readonly exhausted: boolean;
      /**
       * Some call got no answer (deadline, thrown error): its effect may have landed, so the
       * outcome is unknown, not a refusal (a retry must go to the same callee, same key).
       */
      readonly uncertain: boolean;
    };

export interface RetryingCallOptions {
  /** Calls in all, the first included. @default 3 */
  readonly attempts?: number;
  /** Deadline of one call; its signal fires then. @default 2000 */
  readonly callTimeoutMs?: number;
  /** Pause before the second call, doubled before each next one. @default 200 */
  readonly backoffMs?: number;
  /**
   * Bound on the whole, calls and pauses: no pause or call runs past it (a call's deadline is cut
   * to what is left). @default 8000
   */
  readonly budgetMs?: number;
  /** @default node's timers */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Below this much budget left, another call is not worth starting. */
const MIN_CALL_MS = 10;

/**
 * Calls `call` until it answers, refuses for good, or the attempts or budget run out, pausing with
 * a doubling backoff between tries. Each call gets its own deadline (as an AbortSignal, and in
 * milliseconds); a call that misses it, or throws, counts as an answer worth retrying (the
 * caller's idempotency key makes a repeat safe) and makes the outcome `uncertain`. Never throws
 * for the call's sake.
 */
export async function retryingCall<T>(
  call: (signal: AbortSignal, deadlineMs: number) => Promise<CallAnswer<T>>,
  options: RetryingCallOptions = {},
): Promise<RetriedOutcome<T>> {
  const attempts = options.attempts ?? 3;
  const callTimeoutMs = options.callTimeoutMs ?? 2000;
  const backoffMs = options.backoffMs ?? 200;
  const budgetMs = options.budgetMs ?? 8000;
  const pause = options.sleep ?? ((ms: number) => sleep(ms));
  const now = options.now ?? Date.now;
  const started = now();
  const left = (): number => budgetMs - (now() - started);
  let message = 'not called';
  let attempt = 0;
  let uncertain = false;
  while (attempt < attempts && left() >= MIN_CALL_MS) {
    if (attempt > 0) {
      const delay = backoffMs * 2 ** (attempt - 1);
      if (left() - delay < MIN_CALL_MS) break;
      await pause(delay);
    }
    attempt++;
    const deadlineMs = Math.min(callTimeoutMs, left());
    const answer = await once(call, deadlineMs);
    if (answer.ok) return { ok: true, value: answer.value, attempts: attempt };
    message = answer.message;
    // A definitive answer under the same key settles what earlier unanswered calls left open
    // (one order per key: a refusal means none is held).
    if (!answer.retry)
      return { ok: false, message, attempts: attempt, exhausted: false, uncertain: false };
    uncertain ||= answer.uncertain === true;
  }
  return { ok: false, message, attempts: attempt, exhausted: true, uncertain };
}

async function once<T>(
  call: (signal: AbortSignal, deadlineMs: number) => Promise<CallAnswer<T>>,
  deadlineMs: number,
): Promise<CallAnswer<T>> {
  const signal = AbortSignal.timeout(Math.max(1, Math.round(deadlineMs)));
  try {
    return await untilAborted(signal, call(signal, deadlineMs));
  } catch (err) {
    if (signal.aborted)
      return {
        ok: false,
        retry: true,
        uncertain: true,
        message: `no answer within ${deadlineMs} ms`,
      };
    return {
      ok: false,
      retry: true,
      uncertain: true,
      message: err instanceof Error ? err.message : String(err),
    };
  }
}
