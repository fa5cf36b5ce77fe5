import { DeadlockException, type EntityManager, type MikroORM } from '@mikro-orm/core';

/** Attempts of one stock transaction that the database aborted as a deadlock victim. */
const MAX_ATTEMPTS = 3;

/**
 * Runs `work` in its own transaction on a fresh EntityManager, then `afterCommit` (wake the outbox
 * relay). Stock rows are always locked in product-id order, so stock changes do not deadlock one
 * another; a reservation row read under a shared lock and then moved (two releases of one order
 * racing a reserve of it) still can, and InnoDB then aborts one transaction whole, which is safe
 * to run again.
 */
export async function runStockTransaction<T>(
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
