import type { MikroORM, Options } from '@mikro-orm/mysql';
import { openServiceOrm } from '@shop/subgraph-kit/mikro-orm';
import { Migration20261201001Stock } from './migrations/migration-20261201-001-stock.js';
import { Migration20261203002Replenishment } from './migrations/migration-20261203-002-replenishment.js';
import { Migration20261203003ReplenishmentPolling } from './migrations/migration-20261203-003-replenishment-polling.js';
import { Migration20261203004DeliveryIdBinary } from './migrations/migration-20261203-004-delivery-id-binary.js';
import { GoodsReceiptEntity, ReplenishmentEntity } from './replenishment.entity.js';
import { StockReservationEntity, StockReservationLineEntity } from './stock-reservation.entity.js';
import { StockEntity } from './stock.entity.js';

export const STOCK_ENTITIES = [
  StockEntity,
  StockReservationEntity,
  StockReservationLineEntity,
  ReplenishmentEntity,
  GoodsReceiptEntity,
];

/** Migrations are listed in code so the compiled service needs no file discovery. */
export const STOCK_MIGRATIONS = [
  { name: Migration20261201001Stock.name, class: Migration20261201001Stock },
  { name: Migration20261203002Replenishment.name, class: Migration20261203002Replenishment },
  {
    name: Migration20261203003ReplenishmentPolling.name,
    class: Migration20261203003ReplenishmentPolling,
  },
  { name: Migration20261203004DeliveryIdBinary.name, class: Migration20261203004DeliveryIdBinary },
];

/**
 * Connects to catalog's MariaDB database (stock, reservations, replenishments, outbox, inbox, saga
 * participant log) and runs its migrations. Products stay in MongoDB. Every statement has the
 * kit's answer deadline (`answerTimeoutMs`): a stopped server fails calls instead of hanging them.
 */
export function createStockOrm(
  clientUrl: string,
  options: { extra?: Partial<Options>; answerTimeoutMs?: number } = {},
): Promise<MikroORM> {
  return openServiceOrm({
    clientUrl,
    entities: STOCK_ENTITIES,
    migrations: STOCK_MIGRATIONS,
    name: 'catalog-stock',
    answerTimeoutMs: options.answerTimeoutMs,
    extra: options.extra,
  });
}
