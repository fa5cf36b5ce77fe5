import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM, Options } from '@mikro-orm/mysql';
import type { Logger } from '@shop/platform';
import { ServiceClient, ServiceSigner } from '@shop/service-client';
import {
  BatchLoader,
  closeOnFailure,
  resolverContainer,
  startSubgraphServer,
  subgraphServerSettings,
  type RunningSubgraph,
} from '@shop/subgraph-kit';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import { Redis } from 'ioredis';
import type { CartConfig } from './config.js';
import { CartResolver, CheckoutCartResolver, UserCartResolver } from './graphql/cart.resolver.js';
import type { CartContext } from './graphql/context.js';
import { CartCache } from './persistence/cart-cache.js';
import { CartRepository } from './persistence/cart.repository.js';
import { createCartOrm } from './persistence/orm.js';
import { buildCartSchema } from './schema.js';
import { CartService } from './service/cart.service.js';
import { catalogFacts } from './service/catalog-facts.js';

export interface CartApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly carts: CartService;
  readonly catalog: ServiceClient;
  close(): Promise<void>;
}

/** Composition root of the cart subgraph (used by main.ts and the integration tests). */
export async function startCartApp(
  config: CartConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
): Promise<CartApp> {
  const orm = await createCartOrm(databaseUrl(config), { extra: ormOptions });
  // Every command has a deadline; with no offline queue a command while Redis is down fails at
  // once instead of waiting for a reconnect: the cart then reads MariaDB.
  const redis = new Redis(config.REDIS_URL, {
    commandTimeout: config.REDIS_TIMEOUT_MS,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  redis.on('error', (err) => logger.debug({ err }, 'redis error'));
  // Give Redis a moment so the first requests are cached, but never wait on it to start.
  await Promise.race([once(redis, 'ready'), sleep(1000)]).catch(() => undefined);
  return closeOnFailure(
    async () => {
      redis.disconnect();
      await orm.close(true);
    },
    async () => {
      const carts = new CartService(
        new CartRepository(orm.em),
        new CartCache(redis, config.REDIS_PREFIX, config.CART_CACHE_TTL_SECONDS, logger),
      );
      const catalog = new ServiceClient({
        callee: 'catalog',
        url: config.CATALOG_URL,
        signer: await ServiceSigner.fromJwk('cart', JSON.parse(config.SERVICE_SIGNING_KEY)),
        timeoutMs: config.CATALOG_TIMEOUT_MS,
      });
      const lookup = catalogFacts(catalog);
      const http = await startSubgraphServer<CartContext>({
        ...subgraphServerSettings(config),
        name: 'cart',
        schema: await buildCartSchema(
          resolverContainer(
            new CartResolver(carts),
            new CheckoutCartResolver(carts),
            new UserCartResolver(carts),
          ),
        ),
        logger,
        checks: { mariadb: mariadbReady(orm) },
        createContext: (base) => {
          const products = new BatchLoader((ids: readonly string[]) => lookup(ids));
          return {
            ...base,
            carts,
            cartsByUser: new BatchLoader((ids) => carts.rowsOfUsers(ids)),
            cartsById: new BatchLoader((ids) => carts.rowsById(ids)),
            facts: async (ids) => {
              const found = await products.loadMany(ids);
              return new Map(
                ids.flatMap((id, i) => (found[i] !== undefined ? [[id, found[i]] as const] : [])),
              );
            },
          };
        },
      });
      return {
        http,
        orm,
        carts,
        catalog,
        async close() {
          await http.close();
          redis.disconnect();
          await orm.close(true);
        },
      };
    },
  );
}
