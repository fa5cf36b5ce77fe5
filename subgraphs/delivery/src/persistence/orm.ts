import type { MikroORM, Options } from '@mikro-orm/mysql';
import { openServiceOrm } from '@shop/subgraph-kit/mikro-orm';
import { DeliveryPartnerEntity } from './delivery-partner.entity.js';
import { Migration20261124001Init } from './migrations/migration-20261124-001-init.js';
import { Migration20261124002ShipmentsPartnerUserIndex } from './migrations/migration-20261124-002-shipments-partner-user-index.js';
import { Migration20261201003Assignment } from './migrations/migration-20261201-003-assignment.js';
import { Migration20261201004PartnerFeed } from './migrations/migration-20261201-004-partner-feed.js';
import { Migration20261201005PartnerGeometryAt } from './migrations/migration-20261201-005-partner-geometry-at.js';
import { ShipmentEntity, TrackingEventEntity } from './shipment.entity.js';

export const DELIVERY_MIGRATIONS = [
  { name: Migration20261124001Init.name, class: Migration20261124001Init },
  {
    name: Migration20261124002ShipmentsPartnerUserIndex.name,
    class: Migration20261124002ShipmentsPartnerUserIndex,
  },
  { name: Migration20261201003Assignment.name, class: Migration20261201003Assignment },
  { name: Migration20261201004PartnerFeed.name, class: Migration20261201004PartnerFeed },
  {
    name: Migration20261201005PartnerGeometryAt.name,
    class: Migration20261201005PartnerGeometryAt,
  },
];

/** Connects to the delivery database and runs its migrations. */
export function createDeliveryOrm(
  clientUrl: string,
  options: { extra?: Partial<Options>; answerTimeoutMs?: number } = {},
): Promise<MikroORM> {
  return openServiceOrm({
    clientUrl,
    entities: [DeliveryPartnerEntity, ShipmentEntity, TrackingEventEntity],
    migrations: DELIVERY_MIGRATIONS,
    name: 'delivery',
    ...options,
  });
}
