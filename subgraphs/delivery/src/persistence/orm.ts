import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import { DeliveryPartnerEntity } from './delivery-partner.entity.js';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { ShipmentEntity } from './shipment.entity.js';

export const DELIVERY_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
];

/** Connects to the delivery database and, unless told not to, runs its migrations. */
export async function createDeliveryOrm(
  clientUrl: string,
  options: { migrate?: boolean; extra?: Partial<Options> } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl,
    entities: [DeliveryPartnerEntity, ShipmentEntity],
    extensions: [Migrator],
    migrations: { migrationsList: DELIVERY_MIGRATIONS, snapshot: false, silent: true },
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
