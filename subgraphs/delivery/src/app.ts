import type { MikroORM, Options } from '@mikro-orm/mysql';
import type { Logger } from '@shop/platform';
import {
  BatchLoader,
  closeOnFailure,
  resolverContainer,
  startSubgraphServer,
  subgraphServerSettings,
  type RunningSubgraph,
} from '@shop/subgraph-kit';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { DeliveryConfig } from './config.js';
import type { DeliveryContext } from './graphql/context.js';
import { OrderShipmentResolver, ShipmentResolver } from './graphql/delivery.resolver.js';
import { createDeliveryOrm } from './persistence/orm.js';
import { buildDeliverySchema } from './schema.js';
import { DeliveryService } from './service/delivery.service.js';

export interface DeliveryApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  close(): Promise<void>;
}

/** Composition root of the delivery subgraph (used by main.ts and the integration tests). */
export async function startDeliveryApp(
  config: DeliveryConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
): Promise<DeliveryApp> {
  const orm = await createDeliveryOrm(databaseUrl(config), { extra: ormOptions });
  return closeOnFailure(
    () => orm.close(true),
    async () => {
      const delivery = new DeliveryService(orm.em);
      const http = await startSubgraphServer<DeliveryContext>({
        ...subgraphServerSettings(config),
        name: 'delivery',
        schema: await buildDeliverySchema(
          resolverContainer(new ShipmentResolver(delivery), new OrderShipmentResolver()),
        ),
        logger,
        checks: { mariadb: mariadbReady(orm) },
        createContext: (base) => ({
          ...base,
          partners: new BatchLoader((ids) => delivery.partnersByIds(ids)),
          shipments: new BatchLoader((ids) => delivery.shipmentsByIds(ids)),
          shipmentsByOrder: new BatchLoader((ids) => delivery.shipmentsByOrderIds(ids)),
        }),
      });
      return {
        http,
        orm,
        async close() {
          await http.close();
          await orm.close(true);
        },
      };
    },
  );
}
