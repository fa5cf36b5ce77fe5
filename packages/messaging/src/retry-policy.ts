/** How often and how patiently a failing handler is retried before its message is dead-lettered. */
export interface RetryPolicy {
  /** Total attempts including the first. @default 5 */
  readonly maxAttempts: number;
  /** Delay before the second attempt. @default 100 */
  readonly initialDelayMs: number;
  /** Upper bound of one delay. @default 2000 */
  readonly maxDelayMs: number;
  /** @default 2 */
  readonly multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  multiplier: 2,
});

/**
 * Exponential backoff with "full jitter" (a uniform draw between half the capped exponential delay
 * and all of it), so retries of many consumers do not synchronise. `attempt` is the attempt that
 * just failed (1-based).
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number {
  const exp = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** An error the handler marks as permanent: no retries, straight to the DLQ. */
export class PermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}
