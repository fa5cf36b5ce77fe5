import type { MikroORM, Options } from '@mikro-orm/mysql';
import { openServiceOrm } from '@shop/subgraph-kit/mikro-orm';
import { CartEntity } from './cart.entity.js';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { Migration20261201002GuestVersion } from './migrations/migration-20261201-002-guest-version.js';

export const CART_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
  { name: Migration20261201002GuestVersion.name, class: Migration20261201002GuestVersion },
];

/** Connects to the cart database and runs its migrations. */
export function createCartOrm(
  clientUrl: string,
  options: { extra?: Partial<Options> } = {},
): Promise<MikroORM> {
  return openServiceOrm({
    clientUrl,
    entities: [CartEntity],
    migrations: CART_MIGRATIONS,
    ...options,
  });
}
