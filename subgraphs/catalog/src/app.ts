import type { Options as OrmOptions } from '@mikro-orm/mysql';
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
import { StockResolver } from './graphql/stock.resolver.js';
import { ProductsRepository } from './persistence/products.repository.js';
import { buildCatalogSchema } from './schema.js';
import { CatalogService } from './service/catalog.service.js';
import { openStockModule, type StockModule } from './stock.module.js';

export interface CatalogApp {
  readonly http: RunningSubgraph;
  readonly mongo: MongoClient;
  readonly catalog: CatalogService;
  readonly stock: StockModule;
  close(): Promise<void>;
}

/** Composition root of the catalog subgraph (used by main.ts and the integration tests). */
export async function startCatalogApp(
  config: CatalogConfig,
  logger: Logger,
  mongoOptions: MongoClientOptions = {},
  stockOrmOptions: Partial<OrmOptions> = {},
): Promise<CatalogApp> {
  const mongo = new MongoClient(config.MONGODB_URL, {
    serverSelectionTimeoutMS: 5000,
    ...mongoOptions,
  });
  await mongo.connect();
  let stock: StockModule | undefined;
  return closeOnFailure(
    async () => {
      await stock?.close();
      await mongo.close();
    },
    async () => {
      const db = mongo.db(config.MONGODB_DATABASE);
      const catalog = new CatalogService(new ProductsRepository(db));
      const stockModule = (stock = await openStockModule(config, logger, {
        productExists: async (id) => (await catalog.byIds([id])).has(id),
        orm: stockOrmOptions,
      }));
      const http = await startSubgraphServer<CatalogContext>({
        ...subgraphServerSettings(config),
        name: 'catalog',
        schema: await buildCatalogSchema(
          resolverContainer(new ProductResolver(catalog), new StockResolver(stockModule.stock)),
        ),
        logger,
        checks: {
          mongodb: async () => void (await db.command({ ping: 1 })),
          ...stockModule.checks,
        },
        createContext: (base) => ({
          ...base,
          products: new BatchLoader((ids) => catalog.byIds(ids)),
          stock: new BatchLoader((ids) => stockModule.stock.levels(ids)),
        }),
      });
      return {
        http,
        mongo,
        catalog,
        stock: stockModule,
        async close() {
          await http.close();
          await stockModule.close();
          await mongo.close();
        },
      };
    },
  );
}
