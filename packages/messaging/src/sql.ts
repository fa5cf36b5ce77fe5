import type { EntityManager } from '@mikro-orm/core';

/** Runs raw SQL on the EntityManager's connection, inside its transaction when it has one. */
export async function sqlRows<T>(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await em
    .getConnection()
    .execute(query, params, 'all', em.getTransactionContext())) as T[];
}

export async function sqlRun(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
): Promise<{ affectedRows: number; insertId: number }> {
  return (await em.getConnection().execute(query, params, 'run', em.getTransactionContext())) as {
    affectedRows: number;
    insertId: number;
  };
}
