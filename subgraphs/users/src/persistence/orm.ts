import type { MikroORM, Options } from '@mikro-orm/mysql';
import { openServiceOrm } from '@shop/subgraph-kit/mikro-orm';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { Migration20261201001AccountHardening } from './migrations/migration-20261201-001-account-hardening.js';
import { Migration20261201002CreditAndCoupons } from './migrations/migration-20261201-002-credit-and-coupons.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { UserEntity } from './user.entity.js';

export const USERS_ENTITIES = [UserEntity, RefreshTokenEntity, SigningKeyEntity];

/** Migrations are listed in code so the compiled service needs no file discovery. */
export const USERS_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
  {
    name: Migration20261201001AccountHardening.name,
    class: Migration20261201001AccountHardening,
  },
  {
    name: Migration20261201002CreditAndCoupons.name,
    class: Migration20261201002CreditAndCoupons,
  },
];

/** Connects to the users database and runs its migrations. */
export function createUsersOrm(
  clientUrl: string,
  options: { extra?: Partial<Options>; answerTimeoutMs?: number } = {},
): Promise<MikroORM> {
  return openServiceOrm({
    clientUrl,
    entities: USERS_ENTITIES,
    migrations: USERS_MIGRATIONS,
    name: 'users',
    ...options,
  });
}
