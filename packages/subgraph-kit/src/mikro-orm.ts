// Subpath `@shop/subgraph-kit/mikro-orm`: what every MariaDB-backed subgraph does with MikroORM.
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import { env, type ReadinessCheck } from '@shop/platform';

export interface ServiceOrmOptions {
  readonly clientUrl: string;
  readonly entities: NonNullable<Options['entities']>;
  /** Listed in code so the compiled service needs no file discovery. */
  readonly migrations: NonNullable<NonNullable<Options['migrations']>['migrationsList']>;
  /** Extra MikroORM options (tests pass a query logger, for instance). */
  readonly extra?: Partial<Options>;
}

/** Connects to a service's own database (UTC, no global context) and runs its migrations. */
export async function openServiceOrm(options: ServiceOrmOptions): Promise<MikroORM> {
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
    ...options.extra,
  });
  try {
    await orm.migrator.up();
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
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
 * one the local stack creates for it).
 */
export const mariadbSettings = (database: string) => ({
  MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307'),
  MYSQL_DATABASE: env.string(database),
});

/** The connection URL of the service's database: `MYSQL_URL` with `MYSQL_DATABASE` as its path. */
export function databaseUrl(config: { MYSQL_URL: string; MYSQL_DATABASE: string }): string {
  const url = new URL(config.MYSQL_URL);
  url.pathname = `/${encodeURIComponent(config.MYSQL_DATABASE)}`;
  return url.toString();
}
