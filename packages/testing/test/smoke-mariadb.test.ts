import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineEntity, p } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/mysql';
import { TestStack } from '../src/index.js';

const SmokeRow = defineEntity({
  name: 'SmokeRow',
  properties: {
    id: p.integer().primary().autoincrement(),
    label: p.string(),
    price: p.decimal('number').precision(10).scale(2),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

describe('MariaDB through MikroORM (mysql driver)', () => {
  const stack = new TestStack('smoke-mariadb');
  let orm: MikroORM;

  before(async () => {
    const db = await stack.createDatabase('smoke');
    orm = await MikroORM.init({
      clientUrl: db.url,
      entities: [SmokeRow],
      allowGlobalContext: false,
    });
  });
  after(async () => {
    await orm?.close(true);
    await stack.cleanup();
  });

  it('creates a table and round-trips a row', async () => {
    await orm.schema.create();
    const em = orm.em.fork();
    const row = em.create(SmokeRow, { label: 'Staple remover', price: 12.5 });
    await em.flush();
    assert.ok(row.id > 0);

    const found = await orm.em.fork().findOneOrFail(SmokeRow, { label: 'Staple remover' });
    assert.equal(found.id, row.id);
    assert.equal(found.price, 12.5);
    assert.ok(found.createdAt instanceof Date);
  });
});
