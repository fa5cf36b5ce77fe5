// Subpath `@shop/subgraph-kit/mikro-orm`: what every MariaDB-backed subgraph does with MikroORM.
import {
  DeadlockException,
  type EntityManager,
  type MikroORM as AnyMikroORM,
} from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import {
  answerDeadlineStream,
  DEFAULT_MARIADB_ANSWER_TIMEOUT_MS,
  env,
  type ReadinessCheck,
} from '@shop/platform';
import { z } from 'zod';

export { answerDeadlineStream, DEFAULT_MARIADB_ANSWER_TIMEOUT_MS };

export interface ServiceOrmOptions {
  readonly clientUrl: string;
  readonly entities: NonNullable<Options['entities']>;
  /** Listed in code so the compiled service needs no file discovery. */
  readonly migrations: NonNullable<NonNullable<Options['migrations']>['migrationsList']>;
  /**
   * What the ORM is (`catalog-stock`), the stem of its context name. Each ORM gets a context name
   * no other ORM of the process has, `<name>#<n>`: two ORMs with one name (MikroORM's default is
   * `'default'`) see each other's request and transaction contexts, so inside one ORM's
   * `transactional` the other's `em.fork()` forks the first one's transaction EntityManager and
   * runs on its connection, database and metadata. @default the database's name
   */
  readonly name?: string;
  /**
   * Deadline of every statement (see answerDeadlineStream): a stalled server fails calls with a
   * clear error instead of hanging them. @default 15000
   */
  readonly answerTimeoutMs?: number;
  /** Extra MikroORM options (tests pass a query logger, for instance). */
  readonly extra?: Partial<Options>;
}

let ormsOpened = 0;

/** A context name no other ORM of this process has: see ServiceOrmOptions.name. */
function uniqueContextName(name: string | undefined, clientUrl: string): string {
  const stem = name ?? (decodeURIComponent(new URL(clientUrl).pathname.slice(1)) || 'mariadb');
  return `${stem}#${++ormsOpened}`;
}

/**
 * Connects to a service's own database (UTC, no global context, its own context name, a deadline
 * on every statement) and runs its migrations.
 */
export async function openServiceOrm(options: ServiceOrmOptions): Promise<MikroORM> {
  const { driverOptions, ...extra } = options.extra ?? {};
  const orm = await MikroORM.init({
    clientUrl: options.clientUrl,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      tableName: 'mikro_orm_migrations',
      snapshot: false,
      silent: true,
    },
    timezone: '+00:00',
    allowGlobalContext: false,
    contextName: uniqueContextName(options.name, options.clientUrl),
    ...extra,
    // mysql2's connectTimeout (10 s) covers connecting; the answer deadline, every statement after.
    driverOptions: {
      stream: answerDeadlineStream(options.answerTimeoutMs ?? DEFAULT_MARIADB_ANSWER_TIMEOUT_MS),
      ...driverOptions,
    },
  });
  try {
    await orm.migrator.up();
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

/** Attempts of one transaction that the database aborted as a deadlock victim. */
const DEADLOCK_ATTEMPTS = 3;

/** MariaDB's ER_LOCK_DEADLOCK. */
const ER_LOCK_DEADLOCK = 1213;

/**
 * Whether the database aborted the transaction as a deadlock victim: MikroORM's converted
 * exception (entity operations), or the driver's own error, which is what raw SQL on the
 * connection (`sqlRows`, `sqlRun`) throws unconverted.
 */
export const isDeadlock = (err: unknown): boolean =>
  err instanceof DeadlockException ||
  (typeof err === 'object' &&
    err !== null &&
    (err as { errno?: unknown }).errno === ER_LOCK_DEADLOCK);

/**
 * Runs `work` in its own transaction on a fresh EntityManager of `orm`, then `afterCommit` (wake
 * an outbox relay, say). A transaction InnoDB aborts as a deadlock victim is rolled back whole,
 * so it is run again, up to 3 attempts; `work` must therefore not act outside the database (send,
 * publish) before it returns. Services that lock rows in one order rarely deadlock, but rows read
 * under a shared lock and then updated by two transactions at once still can.
 */
export async function runTransaction<T>(
  orm: AnyMikroORM,
  work: (em: EntityManager) => Promise<T>,
  afterCommit?: () => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await orm.em.fork().transactional(work);
      afterCommit?.();
      return result;
    } catch (err) {
      if (!isDeadlock(err) || attempt >= DEADLOCK_ATTEMPTS) throw err;
    }
  }
}

/** `/readyz` check: the database answers a query. */
export const mariadbReady =
  (orm: MikroORM): ReadinessCheck =>
  async () => {
    await orm.em.fork().getConnection().execute('select 1');
  };

/**
 * The MariaDB settings of a subgraph: `MYSQL_URL` names the server (what `npm run stack -- env`
 * prints, shared by every service), `MYSQL_DATABASE` the service's own database (default: the
 * one the local stack creates for it), `MYSQL_ANSWER_TIMEOUT_MS` the deadline of every statement.
 */
export const mariadbSettings = (database: string) => ({
  MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307'),
  MYSQL_DATABASE: env.string(database),
  MYSQL_ANSWER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_MARIADB_ANSWER_TIMEOUT_MS),
});

/** The connection URL of the service's database: `MYSQL_URL` with `MYSQL_DATABASE` as its path. */
export function databaseUrl(config: { MYSQL_URL: string; MYSQL_DATABASE: string }): string {
  const url = new URL(config.MYSQL_URL);
  url.pathname = `/${encodeURIComponent(config.MYSQL_DATABASE)}`;
  return url.toString();
}
