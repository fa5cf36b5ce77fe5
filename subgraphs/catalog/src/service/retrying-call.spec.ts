import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryingCall, type CallAnswer } from './retrying-call.js';

/** A clock that only moves when the helper pauses, and the pauses it took. */
function fakeTime() {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const unavailable: CallAnswer<string> = { ok: false, retry: true, message: 'try later' };

describe('retryingCall', () => {
  it('retries what may pass with a doubling backoff, and returns the first success', async () => {
    const time = fakeTime();
    const answers = [unavailable, unavailable, { ok: true, value: 'po-1' } as const];
    const out = await retryingCall(async () => answers.shift() ?? unavailable, {
      attempts: 3,
      ...time,
    });
    assert.deepEqual(out, { ok: true, value: 'po-1', attempts: 3 });
    assert.deepEqual(time.pauses, [200, 400]);
  });

  it('stops at once on a final refusal', async () => {
    const time = fakeTime();
    let calls = 0;
    const out = await retryingCall(
      async () => {
        calls++;
        return { ok: false, retry: false, message: 'discontinued' } as const;
      },
      { attempts: 5, ...time },
    );
    assert.deepEqual(out, {
      ok: false,
      message: 'discontinued',
      attempts: 1,
      exhausted: false,
      uncertain: false,
    });
    assert.equal(calls, 1);
    assert.deepEqual(time.pauses, []);
  });

  it('gives up after the attempts, naming the last failure', async () => {
    const time = fakeTime();
    const out = await retryingCall(async () => unavailable, { attempts: 4, ...time });
    assert.deepEqual(out, {
      ok: false,
      message: 'try later',
      attempts: 4,
      exhausted: true,
      uncertain: false,
    });
    assert.deepEqual(time.pauses, [200, 400, 800]);
  });

  it('gives every call its deadline: a call that never answers counts as a failure to retry', async () => {
    const started = Date.now();
    const out = await retryingCall(
      // Ignores its signal on purpose: the helper's deadline must hold anyway.
      () => new Promise<CallAnswer<string>>(() => undefined),
      { attempts: 2, callTimeoutMs: 30, backoffMs: 1 },
    );
    assert.deepEqual(out, {
      ok: false,
      message: 'no answer within 30 ms',
      attempts: 2,
      exhausted: true,
      uncertain: true,
    });
    assert.ok(Date.now() - started < 2000);
  });

  it('a thrown error is retried with its message', async () => {
    const time = fakeTime();
    const answers: (() => CallAnswer<string>)[] = [
      () => {
        throw new Error('connection reset');
      },
      () => ({ ok: true, value: 'po-2' }),
    ];
    const out = await retryingCall(async () => answers.shift()!(), { ...time });
    assert.deepEqual(out, { ok: true, value: 'po-2', attempts: 2 });
  });

  it('keeps the whole within its budget: no pause or call past it', async () => {
    const time = fakeTime();
    const deadlines: number[] = [];
    const out = await retryingCall(
      async (_signal, deadlineMs) => {
        // Each call uses up the time it was given (its deadline fires).
        deadlines.push(deadlineMs);
        time.advance(deadlineMs);
        return unavailable;
      },
      { attempts: 10, callTimeoutMs: 2000, budgetMs: 5000, ...time },
    );
    // 2000 + 200 + 2000 + 400 = 4600 spent: the third call gets the 400 ms left, then it is over.
    assert.deepEqual(out, {
      ok: false,
      message: 'try later',
      attempts: 3,
      exhausted: true,
      uncertain: false,
    });
    assert.deepEqual(deadlines, [2000, 2000, 400]);
    assert.deepEqual(time.pauses, [200, 400]);
    assert.equal(time.now(), 5000);
  });

  it('an unanswered call makes the outcome uncertain, even when a later one says unavailable', async () => {
    const time = fakeTime();
    const answers: (() => CallAnswer<string>)[] = [
      () => {
        throw new Error('socket hang up');
      },
      () => unavailable,
    ];
    const out = await retryingCall(async () => answers.shift()!(), { attempts: 2, ...time });
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.uncertain, true);
  });

  it('a definitive refusal after an unanswered call settles it: nothing is held under the key', async () => {
    const time = fakeTime();
    const answers: (() => CallAnswer<string>)[] = [
      () => {
        throw new Error('socket hang up');
      },
      () => ({ ok: false, retry: false, message: 'item discontinued' }),
    ];
    const out = await retryingCall(async () => answers.shift()!(), { attempts: 3, ...time });
    assert.deepEqual(out, {
      ok: false,
      message: 'item discontinued',
      attempts: 2,
      exhausted: false,
      uncertain: false,
    });
  });
});
