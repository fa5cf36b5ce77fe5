import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { PasswordHasher, PasswordHashingBusyError } from './password-hasher.js';

/** The longest the event loop went without running a 5 ms timer while `work` ran. */
async function longestStall(work: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
  return longest;
}

describe('PasswordHasher', () => {
  const hashers: PasswordHasher[] = [];
  const make = (...args: ConstructorParameters<typeof PasswordHasher>): PasswordHasher => {
    const h = new PasswordHasher(...args);
    hashers.push(h);
    return h;
  };
  after(() => Promise.all(hashers.map((h) => h.close())));

  it('hashes with the configured cost and verifies; an unknown account never verifies', async () => {
    const hasher = make(4, { threads: 1 });
    const hash = await hasher.hash('Passw0rdPassw0rd');
    assert.equal(bcrypt.getRounds(hash), 4);
    assert.equal(await hasher.verify('Passw0rdPassw0rd', hash), true);
    assert.equal(await hasher.verify('wrong-password-1', hash), false);
    assert.equal(await hasher.verify('not-a-real-password-0', undefined), false);
  });

  it('a burst of cost-11 verifications never blocks the event loop', async () => {
    const hasher = make(11, { threads: 1 });
    const hash = await hasher.hash('Passw0rdPassw0rd');
    // 8 x ~0.15 s of bcrypt; on the event loop (bcryptjs's async API, 100 ms slices taken in turn)
    // the loop stalled for 8 x 100 ms at a time; a generous bound for a loaded machine
    const burst = Promise.all(
      Array.from({ length: 8 }, () => hasher.verify('Passw0rdPassw0rd', hash)),
    );
    const stall = await longestStall(burst);
    assert.deepEqual(await burst, Array<boolean>(8).fill(true));
    assert.ok(stall < 500, `the event loop stalled for ${Math.round(stall)} ms`);
  });

  // A thread can end without an 'error' event (terminated, killed for memory, process.exit in a
  // library): its job must fail and a fresh thread take its place, or that slot stays busy for
  // ever and with one thread every later login waits until the queue fills.
  it('a thread that exits mid-job fails that job only; later calls are served', async () => {
    const hasher = make(10, { threads: 1 });
    const hash = await hasher.hash('Passw0rdPassw0rd');
    const inFlight = hasher.verify('Passw0rdPassw0rd', hash);
    const { worker } = (hasher as unknown as { slots: { worker: Worker }[] }).slots[0]!;
    await worker.terminate();
    const within = async <T>(p: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          p,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    };
    await assert.rejects(within(inFlight), (err: Error) => err.message !== 'no answer within 5 s');
    assert.equal(await within(hasher.verify('Passw0rdPassw0rd', hash)), true);
  });

  it('past threads + maxQueue, a call is refused at once with RATE_LIMITED', async () => {
    const hasher = make(10, { threads: 1, maxQueue: 2 });
    const hash = await hasher.hash('Passw0rdPassw0rd');
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => hasher.verify('Passw0rdPassw0rd', hash)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value).length, 3);
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 3);
    for (const r of refused) {
      assert.ok(r.reason instanceof PasswordHashingBusyError);
      assert.equal(r.reason.code, 'RATE_LIMITED');
    }
    // the queue drained: the next call is served
    assert.equal(await hasher.verify('Passw0rdPassw0rd', hash), true);
  });
});
