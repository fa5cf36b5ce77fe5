import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EntityManager } from '@mikro-orm/core';
import { isDeadlock, runTransaction } from './mikro-orm.js';

/** The error mysql2 throws for raw SQL that InnoDB chose as a deadlock victim (unconverted). */
const driverDeadlock = (): Error =>
  Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
    errno: 1213,
    code: 'ER_LOCK_DEADLOCK',
  });

/** An ORM whose transactions fail with `failures` in turn, then run the work. */
function ormFailing(failures: Error[]) {
  let runs = 0;
  const orm = {
    em: {
      fork: () => ({
        transactional: async <T>(work: (em: EntityManager) => Promise<T>): Promise<T> => {
          runs++;
          const failure = failures.shift();
          if (failure !== undefined) throw failure;
          return work({} as EntityManager);
        },
      }),
    },
  };
  return { orm: orm as unknown as Parameters<typeof runTransaction>[0], runs: () => runs };
}

describe('runTransaction', () => {
  it('runs a deadlock victim again, also when raw SQL threw the driver’s own error', async () => {
    const { orm, runs } = ormFailing([driverDeadlock(), driverDeadlock()]);
    let committed = 0;
    assert.equal(
      await runTransaction(
        orm,
        () => Promise.resolve('done'),
        () => committed++,
      ),
      'done',
    );
    assert.equal(runs(), 3);
    assert.equal(committed, 1);
  });

  it('gives up after three deadlocks, and never retries another error', async () => {
    const three = ormFailing([driverDeadlock(), driverDeadlock(), driverDeadlock()]);
    await assert.rejects(
      runTransaction(three.orm, () => Promise.resolve(1)),
      /Deadlock found/,
    );
    assert.equal(three.runs(), 3);
    const other = ormFailing([Object.assign(new Error('Duplicate entry'), { errno: 1062 })]);
    await assert.rejects(
      runTransaction(other.orm, () => Promise.resolve(1)),
      /Duplicate entry/,
    );
    assert.equal(other.runs(), 1);
  });

  it('tells a deadlock from other errors', () => {
    assert.equal(isDeadlock(driverDeadlock()), true);
    assert.equal(isDeadlock(new Error('Lock wait timeout exceeded')), false);
    assert.equal(isDeadlock(null), false);
    assert.equal(isDeadlock('1213'), false);
  });
});
