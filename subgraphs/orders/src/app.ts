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
import type { OrdersConfig } from './config.js';
import type { OrdersContext } from './graphql/context.js';
import {
  OrderFieldsResolver,
  OrdersResolver,
  UserOrdersResolver,
} from './graphql/orders.resolver.js';
import { openOrdersModule, type OrdersModule, type OrdersModuleOptions } from './orders.module.js';
import { buildOrdersSchema } from './schema.js';

export interface OrdersApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly orders: OrdersModule;
  close(): Promise<void>;
}

/** Composition root of the orders subgraph (used by main.ts and the integration tests). */
export async function startOrdersApp(
  config: OrdersConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
  moduleOptions: Omit<OrdersModuleOptions, 'orm'> = {},
): Promise<OrdersApp> {
  const module = await openOrdersModule(config, logger, { ...moduleOptions, orm: ormOptions });
  const { orm, repo, queries } = module;
  return closeOnFailure(
    () => module.close(),
    async () => {
      const http = await startSubgraphServer<OrdersContext>({
        ...subgraphServerSettings(config),
        name: 'orders',
        schema: await buildOrdersSchema(
          resolverContainer(
            new OrdersResolver(queries, module.placement, module.commands),
            new OrderFieldsResolver(),
            new UserOrdersResolver(queries),
          ),
        ),
        logger,
        checks: module.checks,
        createContext: (base) => ({
          ...base,
          queries,
          ordersById: new BatchLoader((ids) => queries.byIds(ids)),
          payments: new BatchLoader((ids) => repo.paymentsOf(orm.em, ids)),
          history: new BatchLoader((ids) => repo.historyOf(orm.em, ids)),
        }),
      });
      return {
        http,
        orm,
        orders: module,
        async close() {
          await http.close();
          await module.close();
        },
      };
    },
  );
}
