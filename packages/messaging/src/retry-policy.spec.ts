import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isTransientError,
  PermanentError,
  retryDecision,
} from './retry-policy.js';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const max = (a: number): number => backoffDelay(a, DEFAULT_RETRY_POLICY, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map(max), [100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('jitters between half and all of the delay', () => {
    assert.equal(
      backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0),
      200,
    );
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3);
      assert.ok(d >= 200 && d <= 400, String(d));
    }
  });
});

const sqlError = (code: string, errno: number): Error =>
  Object.assign(new Error(`${code}: boom`), { code, errno });

describe('isTransientError', () => {
  it('knows a database away, a lock wait, a deadlock and timeouts', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      sqlError('ER_LOCK_WAIT_TIMEOUT', 1205),
      sqlError('ER_LOCK_DEADLOCK', 1213),
      Object.assign(new Error('Connection lost: The server closed the connection.'), {
        code: 'PROTOCOL_CONNECTION_LOST',
      }),
      Object.assign(new Error('wrapped'), { name: 'DeadlockException' }),
      new Error('query failed', { cause: sqlError('ER_LOCK_WAIT_TIMEOUT', 1205) }),
      new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    ])
      assert.equal(isTransientError(err), true, err.message);
  });

  it('leaves bugs, bad data and constraint errors to the short budget', () => {
    for (const err of [
      new Error('template missing'),
      new TypeError('cannot read properties of undefined'),
      sqlError('ER_DUP_ENTRY', 1062),
      sqlError('ER_NO_SUCH_TABLE', 1146),
      'a string',
      undefined,
    ])
      assert.equal(isTransientError(err), false, String(err));
  });
});

describe('retryDecision', () => {
  const policy = DEFAULT_RETRY_POLICY;
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('retries a transient error for about a minute, with delays capped at 5 s', () => {
    let elapsed = 0;
    let failures = 0;
    for (;;) {
      failures++;
      const next = retryDecision(
        refused,
        { transient: failures, other: 0 },
        elapsed,
        policy,
        () => 1,
      );
      if (!next.retry) break;
      assert.ok(next.delayMs <= 5000, String(next.delayMs));
      elapsed += next.delayMs;
    }
    assert.ok(elapsed > 50_000 && elapsed <= 60_000, `gave up after ${elapsed} ms`);
    assert.ok(failures > 10, `${failures} attempts`);
  });

  it('dead-letters other errors after maxAttempts, within about 1.5 s', () => {
    const err = new Error('template missing');
    let elapsed = 0;
    for (let other = 1; other < policy.maxAttempts; other++) {
      const next = retryDecision(err, { transient: 0, other }, elapsed, policy, () => 1);
      assert.equal(next.retry, true);
      if (next.retry) elapsed += next.delayMs;
    }
    assert.equal(
      retryDecision(err, { transient: 0, other: policy.maxAttempts }, elapsed, policy).retry,
      false,
    );
    assert.equal(elapsed, 1500);
  });

  it('does not let transient failures use up the attempts of other errors', () => {
    const next = retryDecision(new Error('odd'), { transient: 9, other: 1 }, 20_000, policy);
    assert.equal(next.retry, true);
  });

  it('sends a PermanentError to the DLQ at once, transient-looking or not', () => {
    const err = new PermanentError('declined', { cause: refused });
    assert.equal(retryDecision(err, { transient: 0, other: 1 }, 0, policy).retry, false);
  });

  it('sends a PermanentError to the DLQ at once when code wrapped it to add context', () => {
    // `throw new Error('reserve failed', { cause })` around the handler's PermanentError, whose own
    // cause is a refused connection: neither a minute of transient retries nor five quick ones.
    const wrapped = new Error('reserve failed', {
      cause: new PermanentError('declined', { cause: refused }),
    });
    assert.deepEqual(retryDecision(wrapped, { transient: 1, other: 0 }, 0, policy), {
      retry: false,
      why: 'permanent error',
    });
    const plain = new Error('reserve failed', { cause: new PermanentError('declined') });
    assert.equal(retryDecision(plain, { transient: 0, other: 1 }, 0, policy).retry, false);
  });
});
