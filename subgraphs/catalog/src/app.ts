import { createMetricsRegistry, type Logger } from '@shop/platform';
import { BatchLoader, startSubgraphServer, type RunningSubgraph } from '@shop/subgraph-kit';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import type { CatalogConfig } from './config.js';
import type { CatalogContext } from './graphql/context.js';
import { ProductResolver } from './graphql/product.resolver.js';
import { ProductsRepository } from './persistence/products.repository.js';
import { buildCatalogSchema } from './schema.js';
import { CatalogService } from './service/catalog.service.js';

export interface CatalogApp {
  readonly http: RunningSubgraph;
  readonly mongo: MongoClient;
  readonly catalog: CatalogService;
  close(): Promise<void>;
}

/** Composition root of the catalog subgraph (used by main.ts and the integration tests). */
export async function startCatalogApp(
  config: CatalogConfig,
  logger: Logger,
  mongoOptions: MongoClientOptions = {},
): Promise<CatalogApp> {
  const mongo = new MongoClient(config.MONGODB_URL, {
    serverSelectionTimeoutMS: 5000,
    ...mongoOptions,
  });
  await mongo.connect();
  try {
    const db = mongo.db(config.MONGODB_DATABASE);
    const catalog = new CatalogService(new ProductsRepository(db));
    const resolvers = new Map<unknown, unknown>([[ProductResolver, new ProductResolver(catalog)]]);
    const http = await startSubgraphServer<CatalogContext>({
      name: 'catalog',
      schema: await buildCatalogSchema({ get: (cls) => resolvers.get(cls) }),
      logger,
      registry: createMetricsRegistry('catalog'),
      checks: { mongodb: async () => void (await db.command({ ping: 1 })) },
      gatewaySecret: config.GATEWAY_SHARED_SECRET,
      production: config.NODE_ENV === 'production',
      port: config.PORT,
      host: config.HOST,
      createContext: (base) => ({
        ...base,
        products: new BatchLoader((ids) => catalog.byIds(ids)),
      }),
    });
    return {
      http,
      mongo,
      catalog,
      async close() {
        await http.close();
        await mongo.close();
      },
    };
  } catch (err) {
    await mongo.close();
    throw err;
  }
}
