import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { UserEntity } from './user.entity.js';

export const USERS_ENTITIES = [UserEntity, RefreshTokenEntity, SigningKeyEntity];

/** Migrations are listed in code so the compiled service needs no file discovery. */
export const USERS_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
];

/** Connects to the users database; `migrate` brings its schema up to date first. */
export async function createUsersOrm(
  clientUrl: string,
  options: { migrate?: boolean; extra?: Partial<Options> } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl,
    entities: USERS_ENTITIES,
    extensions: [Migrator],
    migrations: {
      migrationsList: USERS_MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      snapshot: false,
      silent: true,
    },
    timezone: '+00:00',
    allowGlobalContext: false,
    ...options.extra,
  });
  try {
    if (options.migrate ?? true) await orm.migrator.up();
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}
