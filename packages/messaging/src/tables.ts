import type { EntityManager } from '@mikro-orm/core';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import { answerDeadlineStream, DEFAULT_MARIADB_ANSWER_TIMEOUT_MS } from '@shop/platform';
import { sqlRows } from './sql.js';

/**
 * The messaging tables a service keeps in its own database. Services put these statements in a
 * migration; tests and tools may call `ensureMessagingTables`.
 */
export const MESSAGING_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS outbox_message (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_id VARCHAR(64) NOT NULL,
    topic VARCHAR(249) NOT NULL,
    partition_key VARCHAR(255) NOT NULL,
    payload MEDIUMBLOB NOT NULL, -- the message bytes: read back as a Buffer, sent without re-encoding
    headers TEXT NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_outbox_message_id (message_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS outbox_relay_lock (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    owner VARCHAR(64) NULL,
    lease_expires_at DATETIME(3) NULL,
    epoch BIGINT UNSIGNED NOT NULL DEFAULT 0 -- +1 each time a relay takes the claim (fencing)
  ) ENGINE=InnoDB`,
  `INSERT IGNORE INTO outbox_relay_lock (name) VALUES ('outbox')`,
  // Outbox rows Kafka refused for good (too large, or refused again and again), moved aside with
  // the reason so the rows behind them flow; listed by `shop-dlq outbox`.
  `CREATE TABLE IF NOT EXISTS outbox_dead_letter (
    id BIGINT UNSIGNED NOT NULL, -- the outbox row's id
    message_id VARCHAR(64) NOT NULL,
    topic VARCHAR(249) NOT NULL,
    partition_key VARCHAR(255) NOT NULL,
    payload MEDIUMBLOB NOT NULL,
    headers TEXT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    reason TEXT NOT NULL,
    refusals INT NOT NULL,
    dead_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    -- Not the id alone: outbox ids start again after a TRUNCATE or a restore, and a row refused
    -- then must not be dropped for an older dead letter that holds its id.
    PRIMARY KEY (id, message_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS inbox_message (
    consumer_group VARCHAR(200) NOT NULL,
    message_id VARCHAR(64) NOT NULL,
    topic VARCHAR(249) NOT NULL,
    processed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (consumer_group, message_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS saga_participant_log (
    saga_id VARCHAR(64) NOT NULL,
    step INT NOT NULL,
    action VARCHAR(16) NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    reply TEXT NULL,
    recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (saga_id, step, action)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

/**
 * The first outbox layout kept sent rows, marked by `sent_at`; the relay now deletes them, so a
 * table of that layout must lose its sent rows (or the relay would publish them again) and the
 * column. Runs only when the column is there.
 */
const OUTBOX_UPGRADE_FROM_SENT_AT: readonly string[] = [
  'DELETE FROM outbox_message WHERE sent_at IS NOT NULL',
  'ALTER TABLE outbox_message DROP INDEX IF EXISTS ix_outbox_pending, DROP COLUMN IF EXISTS sent_at',
];

/** The claim row got a fencing epoch; a table made before has none (MySQL 8 lacks ADD COLUMN IF NOT EXISTS). */
const RELAY_LOCK_ADD_EPOCH =
  'ALTER TABLE outbox_relay_lock ADD COLUMN epoch BIGINT UNSIGNED NOT NULL DEFAULT 0';

/** The dead letters were first keyed by the outbox id alone (see the DDL). */
const DEAD_LETTER_KEY_WITH_MESSAGE_ID =
  'ALTER TABLE outbox_dead_letter DROP PRIMARY KEY, ADD PRIMARY KEY (id, message_id)';

/** Creates the outbox, inbox and participant tables if missing (and upgrades older layouts). */
export async function ensureMessagingTables(em: EntityManager): Promise<void> {
  const conn = em.getConnection();
  for (const sql of MESSAGING_TABLES_DDL) await conn.execute(sql);
  const hasColumn = async (table: string, column: string): Promise<boolean> => {
    const [row] = await sqlRows<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM information_schema.columns
       WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?`,
      [table, column],
    );
    return Number(row?.n ?? 0) > 0;
  };
  if (await hasColumn('outbox_message', 'sent_at'))
    for (const sql of OUTBOX_UPGRADE_FROM_SENT_AT) await conn.execute(sql);
  if (!(await hasColumn('outbox_relay_lock', 'epoch'))) await conn.execute(RELAY_LOCK_ADD_EPOCH);
  const [key] = await sqlRows<{ n: number | string }>(
    em,
    `SELECT COUNT(*) AS n FROM information_schema.key_column_usage
     WHERE table_schema = DATABASE() AND table_name = 'outbox_dead_letter'
       AND constraint_name = 'PRIMARY'`,
  );
  if (Number(key?.n ?? 0) === 1) await conn.execute(DEAD_LETTER_KEY_WITH_MESSAGE_ID);
}

let messagingOrms = 0;

/**
 * A MikroORM instance with no entities (raw SQL through `sqlRows`/`sqlRun`) on a database that
 * has the messaging tables, plus any extra DDL: for processes and tests that only need those.
 *
 * Like the subgraph kit's `openServiceOrm`: every statement has an answer deadline (a stalled
 * MariaDB fails calls instead of hanging a consumer or the orchestrator), and the ORM has a
 * context name of its own (`messaging:<database>#<n>`), so a fork of it inside another ORM's
 * transaction (catalog's stock ORM beside its messaging ORM) does not resolve to that one's
 * transaction EntityManager.
 */
export async function openMessagingOrm(
  url: string,
  extraDdl: readonly string[] = [],
  extra: Partial<Options> & { answerTimeoutMs?: number } = {},
): Promise<MikroORM> {
  const { driverOptions, answerTimeoutMs, ...options } = extra;
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
    contextName: `messaging:${database}#${++messagingOrms}`,
    ...options,
    driverOptions: {
      stream: answerDeadlineStream(answerTimeoutMs ?? DEFAULT_MARIADB_ANSWER_TIMEOUT_MS),
      ...driverOptions,
    },
  });
  try {
    const em = orm.em.fork();
    await ensureMessagingTables(em);
    for (const sql of extraDdl) await em.getConnection().execute(sql);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}
