import type { MikroORM, Options } from '@mikro-orm/mysql';
import { openServiceOrm } from '@shop/subgraph-kit/mikro-orm';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { Migration20261201002Checkout } from './migrations/migration-20261201-002-checkout.js';
import { Migration20261202003Deductions } from './migrations/migration-20261202-003-deductions.js';
import { Migration20261202004CaptureClaim } from './migrations/migration-20261202-004-capture-claim.js';
import { OrderEntity, OrderStatusChangeEntity, PaymentEntity } from './order.entity.js';

export const ORDERS_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
  { name: Migration20261201002Checkout.name, class: Migration20261201002Checkout },
  { name: Migration20261202003Deductions.name, class: Migration20261202003Deductions },
  { name: Migration20261202004CaptureClaim.name, class: Migration20261202004CaptureClaim },
];

/** Connects to the orders database and runs its migrations. */
export function createOrdersOrm(
  clientUrl: string,
  options: { extra?: Partial<Options>; name?: string } = {},
): Promise<MikroORM> {
  return openServiceOrm({
    clientUrl,
    entities: [OrderEntity, OrderStatusChangeEntity, PaymentEntity],
    migrations: ORDERS_MIGRATIONS,
    ...options,
  });
}
