// Two MikroORM instances in one process (catalog's stock ORM and its messaging ORM) must not see
// each other's transaction contexts: inside one's `transactional`, the other's `em.fork()` has to
// run on its own database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/mysql';
import { openMessagingOrm, sqlRows } from '@shop/messaging';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import { TestStack } from '@shop/testing';
import { createStockOrm } from '../src/persistence/stock-orm.js';

const databaseOf = async (orm: MikroORM): Promise<string | undefined> =>
  (await sqlRows<{ db: string }>(orm.em.fork(), 'SELECT DATABASE() AS db'))[0]?.db;

describe('ORM context names: a fork inside another ORM’s transaction', () => {
  const stack = new TestStack('ormctx');
  const opened: MikroORM[] = [];
  let stockDb: string;
  let messagingDb: string;

  const open = async (shared: boolean): Promise<{ stock: MikroORM; messaging: MikroORM }> => {
    const extra = shared ? { contextName: 'default' } : {};
    const stock = await createStockOrm((await stack.createDatabase(`stock${opened.length}`)).url, {
      extra,
    });
    const messaging = await openMessagingOrm(
      (await stack.createDatabase(`msg${opened.length}`)).url,
      [],
      extra,
    );
    opened.push(stock, messaging);
    return { stock, messaging };
  };

  let orms: { stock: MikroORM; messaging: MikroORM };
  before(async () => {
    orms = await open(false);
    stockDb = (await databaseOf(orms.stock))!;
    messagingDb = (await databaseOf(orms.messaging))!;
    assert.notEqual(stockDb, messagingDb);
  });
  after(async () => {
    for (const orm of opened) await orm.close(true);
    await stack.cleanup();
  });

  it('runs the messaging ORM’s fork and runTransaction on the messaging database', async () => {
    const seen = await orms.stock.em.fork().transactional(async () => ({
      fork: await databaseOf(orms.messaging),
      transaction: await runTransaction(
        orms.messaging,
        async (em) => (await sqlRows<{ db: string }>(em, 'SELECT DATABASE() AS db'))[0]?.db,
      ),
    }));
    assert.deepEqual(seen, { fork: messagingDb, transaction: messagingDb });
  });

  it('control: with the one shared context name, the same fork lands in the stock database', async () => {
    const shared = await open(true);
    const stock = await databaseOf(shared.stock);
    const seen = await shared.stock.em.fork().transactional(() => databaseOf(shared.messaging));
    assert.equal(seen, stock, 'the hazard the distinct names remove');
  });
});
