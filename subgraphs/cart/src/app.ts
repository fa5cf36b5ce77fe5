import type { MikroORM, Options } from '@mikro-orm/mysql';
import { createMetricsRegistry, type Logger } from '@shop/platform';
import { BatchLoader, startSubgraphServer, type RunningSubgraph } from '@shop/subgraph-kit';
import { mariadbReady } from '@shop/subgraph-kit/mikro-orm';
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
  const orm = await createCartOrm(config.MYSQL_URL, { extra: ormOptions });
  try {
    const carts = new CartService(orm.em);
    const resolvers = new Map<unknown, unknown>([
      [CartResolver, new CartResolver(carts)],
      [UserCartResolver, new UserCartResolver()],
    ]);
    const http = await startSubgraphServer<CartContext>({
      name: 'cart',
      schema: await buildCartSchema({ get: (cls) => resolvers.get(cls) }),
      logger,
      registry: createMetricsRegistry('cart'),
      checks: {
        mariadb: mariadbReady(orm),
      },
      gatewaySecret: config.GATEWAY_SHARED_SECRET,
      production: config.NODE_ENV === 'production',
      port: config.PORT,
      host: config.HOST,
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
  } catch (err) {
    await orm.close(true);
    throw err;
  }
}
