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
import type { CartConfig } from './config.js';
import { CartResolver, UserCartResolver } from './graphql/cart.resolver.js';
import type { CartContext } from './graphql/context.js';
import { createCartOrm } from './persistence/orm.js';
import { buildCartSchema } from './schema.js';
import { CartService } from './service/cart.service.js';

export interface CartApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly carts: CartService;
  close(): Promise<void>;
}

/** Composition root of the cart subgraph (used by main.ts and the integration tests). */
export async function startCartApp(
  config: CartConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
): Promise<CartApp> {
  const orm = await createCartOrm(databaseUrl(config), { extra: ormOptions });
  return closeOnFailure(
    () => orm.close(true),
    async () => {
      const carts = new CartService(orm.em);
      const http = await startSubgraphServer<CartContext>({
        ...subgraphServerSettings(config),
        name: 'cart',
        schema: await buildCartSchema(
          resolverContainer(new CartResolver(carts), new UserCartResolver()),
        ),
        logger,
        checks: { mariadb: mariadbReady(orm) },
        createContext: (base) => ({
          ...base,
          cartsByUser: new BatchLoader((ids) => carts.byUserIds(ids)),
          cartsById: new BatchLoader((ids) => carts.byIds(ids)),
        }),
      });
      return {
        http,
        orm,
        carts,
        async close() {
          await http.close();
          await orm.close(true);
        },
      };
    },
  );
}
