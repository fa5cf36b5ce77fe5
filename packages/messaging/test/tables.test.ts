import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MikroORM } from '@mikro-orm/mysql';
import { TestStack } from '@shop/testing';
import { ensureMessagingTables, sqlRows, sqlRun } from '../src/index.js';

describe('messaging tables', () => {
  const stack = new TestStack('tables');
  after(() => stack.cleanup());

  it('upgrades an outbox of the first layout: sent rows go, unsent rows stay, sent_at goes', async () => {
    const orm = await MikroORM.init({
      clientUrl: (await stack.createDatabase('old')).url,
      entities: [],
      discovery: { warnWhenNoEntities: false },
    });
    try {
      const em = orm.em.fork();
      await sqlRun(
        em,
        `CREATE TABLE outbox_message (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          message_id VARCHAR(64) NOT NULL, topic VARCHAR(249) NOT NULL,
          partition_key VARCHAR(255) NOT NULL, payload MEDIUMTEXT NOT NULL, headers TEXT NOT NULL,
          created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), sent_at DATETIME(3) NULL,
          UNIQUE KEY uq_outbox_message_id (message_id), KEY ix_outbox_pending (sent_at, id))`,
      );
      await sqlRun(
        em,
        `INSERT INTO outbox_message (message_id, topic, partition_key, payload, headers, sent_at)
         VALUES ('sent-1', 't', 'k', '{}', '{}', CURRENT_TIMESTAMP(3)),
                ('unsent-1', 't', 'k', '{}', '{}', NULL)`,
      );

      await ensureMessagingTables(em);
      await ensureMessagingTables(em); // and again: a no-op on the current layout

      const rows = await sqlRows<{ message_id: string }>(
        em,
        'SELECT message_id FROM outbox_message ORDER BY id',
      );
      assert.deepEqual(
        rows.map((r) => r.message_id),
        ['unsent-1'],
      );
      const columns = await sqlRows<{ name: string }>(
        em,
        `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = DATABASE() AND table_name = 'outbox_message'`,
      );
      assert.equal(
        columns.some((c) => c.name === 'sent_at'),
        false,
      );
    } finally {
      await orm.close(true);
    }
  });
});
