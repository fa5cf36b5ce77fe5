/**
 * How often and how patiently a failing handler is retried before its message is dead-lettered.
 *
 * Two budgets: an error `isTransient` calls passing (the database or a connection went away, a
 * lock wait or deadlock, a timeout) is retried for `transientBudgetMs`, long enough to ride out a
 * database failover or restart; any other error is retried `maxAttempts` times in all, quickly,
 * so a bug or bad data reaches the DLQ in about a second and a half. A `PermanentError` goes there
 * at once.
 */
export interface RetryPolicy {
  /** Total attempts including the first, for errors that are not transient. @default 5 */
  readonly maxAttempts: number;
  /** Delay before the second attempt. @default 100 */
  readonly initialDelayMs: number;
  /** Upper bound of one delay after an error that is not transient. @default 2000 */
  readonly maxDelayMs: number;
  /** @default 2 */
  readonly multiplier: number;
  /**
   * How long, from the first attempt, transient errors are retried before the message is
   * dead-lettered (a MariaDB/MySQL failover takes tens of seconds). @default 60000
   */
  readonly transientBudgetMs: number;
  /** Upper bound of one delay after a transient error. @default 5000 */
  readonly transientMaxDelayMs: number;
  /** Which errors get the transient budget. @default isTransientError */
  readonly isTransient: (err: unknown) => boolean;
}

/** Error codes of a dependency that is away or busy for a while, not of a broken message. */
const TRANSIENT_CODES = new Set([
  // sockets (mysql2, Redis, HTTP clients)
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT', // read-only: a replica being promoted
]);

/** MySQL errnos of the same (when only the number survives a wrapper). */
const TRANSIENT_ERRNOS = new Set([
  1040, 1053, 1205, 1213, 1290, 1317, 1927, 2002, 2003, 2006, 2013,
]);

/** Error names of the same (MikroORM's converted driver exceptions, timeouts). */
const TRANSIENT_NAMES = new Set([
  'ConnectionException',
  'DeadlockException',
  'LockWaitTimeoutException',
  'TimeoutError',
]);

/** Messages of mysql2 errors that carry no code. */
const TRANSIENT_MESSAGES = [
  /can't add new command when connection is in closed state/i,
  /connection lost/i,
  /pool is closed/i,
];

/**
 * Whether an error (or any error in its `cause` chain) says a dependency is briefly unavailable:
 * connection refused, reset or lost, a lock wait timeout or deadlock, a timeout.
 */
export function isTransientError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 8; depth++) {
    if (typeof e !== 'object') return false;
    const { code, errno, name, message } = e as {
      code?: unknown;
      errno?: unknown;
      name?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno)) return true;
    if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((m) => m.test(message))) return true;
    if (e instanceof AggregateError && e.errors.some((x) => isTransientError(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  multiplier: 2,
  transientBudgetMs: 60_000,
  transientMaxDelayMs: 5000,
  isTransient: isTransientError,
});

/**
 * Exponential backoff with "full jitter" (a uniform draw between half the capped exponential delay
 * and all of it), so retries of many consumers do not synchronise. `attempt` is the attempt that
 * just failed (1-based); `maxDelayMs` defaults to the policy's cap for errors that are not
 * transient.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'multiplier'> = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
  maxDelayMs: number = policy.maxDelayMs,
): number {
  const exp = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(maxDelayMs, exp);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** Failures of one message so far, this one included, by kind. */
export interface FailureCounts {
  readonly transient: number;
  readonly other: number;
}

/**
 * What to do after a handler failed with `err` (`failures` counts it already), `elapsedMs` after
 * the first attempt started: retry after `delayMs`, or give up (dead-letter) and say why. The two
 * kinds count apart, so a failover's transient errors do not use up the attempts of the other
 * kind, and one odd error during it does not end the wait.
 */
export function retryDecision(
  err: unknown,
  failures: FailureCounts,
  elapsedMs: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): { retry: true; delayMs: number; transient: boolean } | { retry: false; why: string } {
  if (isPermanentError(err)) return { retry: false, why: 'permanent error' };
  if (policy.isTransient(err)) {
    const delayMs = backoffDelay(failures.transient, policy, random, policy.transientMaxDelayMs);
    if (elapsedMs + delayMs > policy.transientBudgetMs)
      return { retry: false, why: `transient errors for ${Math.round(elapsedMs)} ms` };
    return { retry: true, delayMs, transient: true };
  }
  if (failures.other >= policy.maxAttempts)
    return { retry: false, why: `failed ${failures.other} times` };
  return { retry: true, delayMs: backoffDelay(failures.other, policy, random), transient: false };
}

/**
 * Whether the handler marked the error permanent: a `PermanentError` itself or anywhere in its
 * `cause` chain. Code that adds context (`new Error('reserve failed', { cause })`) must not turn a
 * permanent error into one retried for the transient budget because a cause below it looks
 * transient, nor into five quick retries.
 */
export function isPermanentError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    if (e instanceof PermanentError) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** An error the handler marks as permanent: no retries, straight to the DLQ. */
export class PermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}
