import { DeadlockException, type EntityManager, type MikroORM } from '@mikro-orm/core';

/** Attempts of one transaction that the database aborted as a deadlock victim. */
const MAX_ATTEMPTS = 3;

/**
 * Runs `work` in its own transaction on a fresh EntityManager, then `afterCommit` (wake the outbox
 * relay). Every write locks the shipment row first, then partner rows; a reassignment releases
 * one partner and holds another, and two assignments may try candidates in different orders, so
 * InnoDB can still pick a deadlock victim. It aborts that transaction whole, which is safe to run
 * again.
 */
export async function runDeliveryTransaction<T>(
  orm: MikroORM,
  work: (em: EntityManager) => Promise<T>,
  afterCommit?: () => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await orm.em.fork().transactional(work);
      afterCommit?.();
      return result;
    } catch (err) {
      if (!(err instanceof DeadlockException) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
