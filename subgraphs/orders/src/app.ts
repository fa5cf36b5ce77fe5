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
import type { OrdersConfig } from './config.js';
import type { OrdersContext } from './graphql/context.js';
import { OrdersResolver, UserOrdersResolver } from './graphql/orders.resolver.js';
import { createOrdersOrm } from './persistence/orm.js';
import { buildOrdersSchema } from './schema.js';
import { OrdersService } from './service/orders.service.js';

export interface OrdersApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  close(): Promise<void>;
}

/** Composition root of the orders subgraph (used by main.ts and the integration tests). */
export async function startOrdersApp(
  config: OrdersConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
): Promise<OrdersApp> {
  const orm = await createOrdersOrm(databaseUrl(config), { extra: ormOptions });
  return closeOnFailure(
    () => orm.close(true),
    async () => {
      const orders = new OrdersService(orm.em);
      const http = await startSubgraphServer<OrdersContext>({
        ...subgraphServerSettings(config),
        name: 'orders',
        schema: await buildOrdersSchema(
          resolverContainer(new OrdersResolver(), new UserOrdersResolver()),
        ),
        logger,
        checks: { mariadb: mariadbReady(orm) },
        createContext: (base) => ({
          ...base,
          ordersByUser: new BatchLoader((ids) => orders.byUserIds(ids)),
          ordersById: new BatchLoader((ids) => orders.byIds(ids)),
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
