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
import type { DeliveryConfig } from './config.js';
import { openDeliveryModule, type DeliveryModule } from './delivery.module.js';
import type { DeliveryContext } from './graphql/context.js';
import {
  OrderShipmentResolver,
  PartnerResolver,
  ShipmentResolver,
} from './graphql/delivery.resolver.js';
import { ShipmentUpdateResolver } from './graphql/shipment-update.resolver.js';
import { buildDeliverySchema } from './schema.js';
import { DeliveryService } from './service/delivery.service.js';
import { ShipmentFeedService } from './service/shipment-feed.service.js';

export interface DeliveryApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly delivery: DeliveryModule;
  close(): Promise<void>;
}

/** Composition root of the delivery subgraph (used by main.ts and the integration tests). */
export async function startDeliveryApp(
  config: DeliveryConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
  moduleOptions: { now?: () => Date } = {},
): Promise<DeliveryApp> {
  const module = await openDeliveryModule(config, logger, { orm: ormOptions, ...moduleOptions });
  const orm = module.orm;
  return closeOnFailure(
    () => module.close(),
    async () => {
      const delivery = new DeliveryService(orm.em);
      const http = await startSubgraphServer<DeliveryContext>({
        ...subgraphServerSettings(config),
        name: 'delivery',
        schema: await buildDeliverySchema(
          resolverContainer(
            new ShipmentResolver(delivery, module.lifecycle),
            new PartnerResolver(module.partners),
            new OrderShipmentResolver(),
            new ShipmentUpdateResolver(new ShipmentFeedService(orm.em)),
          ),
        ),
        logger,
        checks: module.checks,
        createContext: (base) => ({
          ...base,
          partners: new BatchLoader((ids) => delivery.partnersByIds(ids)),
          shipments: new BatchLoader((ids) => delivery.shipmentsByIds(ids)),
          shipmentsByOrder: new BatchLoader((ids) => delivery.shipmentsByOrderIds(ids)),
          trackingEvents: new BatchLoader((ids) => delivery.trackingEventsOf(ids)),
        }),
      });
      return {
        http,
        orm,
        delivery: module,
        async close() {
          await http.close();
          await module.close();
        },
      };
    },
  );
}
