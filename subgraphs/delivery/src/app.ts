import type { MikroORM, Options } from '@mikro-orm/mysql';
import { createMetricsRegistry, type Logger } from '@shop/platform';
import { BatchLoader, startSubgraphServer, type RunningSubgraph } from '@shop/subgraph-kit';
import { mariadbReady } from '@shop/subgraph-kit/mikro-orm';
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
  const orm = await createDeliveryOrm(config.MYSQL_URL, { extra: ormOptions });
  try {
    const delivery = new DeliveryService(orm.em);
    const resolvers = new Map<unknown, unknown>([
      [ShipmentResolver, new ShipmentResolver(delivery)],
      [OrderShipmentResolver, new OrderShipmentResolver()],
    ]);
    const http = await startSubgraphServer<DeliveryContext>({
      name: 'delivery',
      schema: await buildDeliverySchema({ get: (cls) => resolvers.get(cls) }),
      logger,
      registry: createMetricsRegistry('delivery'),
      checks: {
        mariadb: mariadbReady(orm),
      },
      gatewaySecret: config.GATEWAY_SHARED_SECRET,
      production: config.NODE_ENV === 'production',
      port: config.PORT,
      host: config.HOST,
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
  } catch (err) {
    await orm.close(true);
    throw err;
  }
}
