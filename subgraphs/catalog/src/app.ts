import type { Logger } from '@shop/platform';
import {
  BatchLoader,
  closeOnFailure,
  resolverContainer,
  startSubgraphServer,
  subgraphServerSettings,
  type RunningSubgraph,
} from '@shop/subgraph-kit';
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
  return closeOnFailure(
    () => mongo.close(),
    async () => {
      const db = mongo.db(config.MONGODB_DATABASE);
      const catalog = new CatalogService(new ProductsRepository(db));
      const http = await startSubgraphServer<CatalogContext>({
        ...subgraphServerSettings(config),
        name: 'catalog',
        schema: await buildCatalogSchema(resolverContainer(new ProductResolver(catalog))),
        logger,
        checks: { mongodb: async () => void (await db.command({ ping: 1 })) },
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
    },
  );
}
