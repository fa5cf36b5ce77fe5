import { Client as ElasticClient } from '@elastic/elasticsearch';
import type { MikroORM } from '@mikro-orm/core';
import type { Options as OrmOptions } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm, type IdempotentConsumer } from '@shop/messaging';
import { createMetricsRegistry, type Logger } from '@shop/platform';
import {
  BatchLoader,
  resolverContainer,
  startSubgraphServer,
  subgraphServerSettings,
  type RunningSubgraph,
} from '@shop/subgraph-kit';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import { Redis } from 'ioredis';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import { Counter } from 'prom-client';
import { seedSampleWhenEmpty, type CatalogConfig } from './config.js';
import type { CatalogContext } from './graphql/context.js';
import { ProductResolver } from './graphql/product.resolver.js';
import { ReplenishmentResolver } from './graphql/replenishment.resolver.js';
import { SearchResolver } from './graphql/search.resolver.js';
import { StockResolver } from './graphql/stock.resolver.js';
import { ProductEventRelay } from './messaging/product-event-relay.js';
import { createProductIndexer } from './messaging/product-indexer.js';
import { ProductCache } from './persistence/product-cache.js';
import { ProductsRepository } from './persistence/products.repository.js';
import { SearchCache } from './persistence/search-cache.js';
import { SearchIndex } from './persistence/search-index.js';
import { SearchInsights } from './persistence/search-insights.repository.js';
import { SEARCH_TABLES_DDL } from './persistence/search-tables.js';
import { StockViewRepository } from './persistence/stock-view.repository.js';
import { buildCatalogSchema } from './schema.js';
import { loadSampleCatalog } from './seed/load-sample.js';
import { CatalogService } from './service/catalog.service.js';
import { ReindexService } from './service/reindex.service.js';
import { SearchService } from './service/search.service.js';
import { openStockModule, type StockModule } from './stock.module.js';

export interface CatalogApp {
  readonly http: RunningSubgraph;
  readonly mongo: MongoClient;
  readonly orm: MikroORM;
  readonly catalog: CatalogService;
  readonly stock: StockModule;
  readonly search: SearchService;
  readonly reindexer: ReindexService;
  readonly index: SearchIndex;
  readonly relay: ProductEventRelay | undefined;
  readonly indexer: IdempotentConsumer<never> | undefined;
  close(): Promise<void>;
}

/** Closes what was opened so far, last first, when a later step fails or at shutdown. */
class Closer {
  private readonly steps: (() => Promise<unknown>)[] = [];
  add(step: () => Promise<unknown>): void {
    this.steps.unshift(step);
  }
  async close(): Promise<void> {
    for (const step of this.steps.splice(0)) await step().catch(() => undefined);
  }
}

/** Composition root of the catalog subgraph (used by main.ts, the seed command and tests). */
export async function startCatalogApp(
  config: CatalogConfig,
  logger: Logger,
  mongoOptions: MongoClientOptions = {},
  stockOrmOptions: Partial<OrmOptions> = {},
): Promise<CatalogApp> {
  const closer = new Closer();
  try {
    return await assemble(config, logger, mongoOptions, stockOrmOptions, closer);
  } catch (err) {
    await closer.close();
    throw err;
  }
}

async function assemble(
  config: CatalogConfig,
  logger: Logger,
  mongoOptions: MongoClientOptions,
  stockOrmOptions: Partial<OrmOptions>,
  closer: Closer,
): Promise<CatalogApp> {
  const mongo = new MongoClient(config.MONGODB_URL, {
    serverSelectionTimeoutMS: 5000,
    socketTimeoutMS: 30_000,
    ...mongoOptions,
  });
  await mongo.connect();
  closer.add(() => mongo.close());
  const db = mongo.db(config.MONGODB_DATABASE);
  const products = new ProductsRepository(db);
  await products.ensureIndexes();

  const orm = await openMessagingOrm(databaseUrl(config), SEARCH_TABLES_DDL, {
    answerTimeoutMs: config.MYSQL_ANSWER_TIMEOUT_MS,
  });
  closer.add(() => orm.close(true));

  const es = new ElasticClient({
    node: config.ELASTICSEARCH_URL,
    requestTimeout: 30_000,
    maxRetries: 1,
  });
  closer.add(() => es.close());
  const index = new SearchIndex({
    client: es,
    logger,
    alias: config.SEARCH_INDEX_ALIAS,
    searchTimeoutMs: config.SEARCH_TIMEOUT_MS,
    ...(config.SEARCH_SYNONYMS ? {} : { synonyms: [] }),
  });
  await index.ensure();

  const registry = createMetricsRegistry('catalog');
  const cacheRequests = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['result'], registers: [registry] });
  let cache: SearchCache | undefined;
  let productCache: ProductCache | undefined;
  if (config.SEARCH_CACHE || config.PRODUCT_CACHE) {
    const redis = new Redis(config.REDIS_URL, {
      // Fail fast while disconnected instead of queueing: the search goes on without the cache.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    redis.on('error', (err: Error) => logger.debug({ err }, 'redis'));
    closer.add(async () => redis.disconnect());
    if (config.PRODUCT_CACHE)
      productCache = new ProductCache({
        redis,
        logger,
        ttlSeconds: config.PRODUCT_CACHE_TTL_SECONDS,
        deadlineMs: config.SEARCH_CACHE_DEADLINE_MS,
        // Catalogs on different databases sharing one Redis never see each other's products.
        prefix: `${config.PRODUCT_CACHE_PREFIX}${config.MONGODB_DATABASE}:`,
        requests: cacheRequests(
          'catalog_product_cache_requests_total',
          'Product-by-id cache lookups per product: hit, miss, error (Redis failed or late)',
        ),
      });
    if (config.SEARCH_CACHE)
      cache = new SearchCache({
        redis,
        logger,
        ttlSeconds: config.SEARCH_CACHE_TTL_SECONDS,
        deadlineMs: config.SEARCH_CACHE_DEADLINE_MS,
        prefix: config.SEARCH_CACHE_PREFIX,
        requests: cacheRequests(
          'catalog_search_cache_requests_total',
          'Search cache lookups by result: hit, miss, error (Redis failed or late), bypass',
        ),
      });
  }

  const insights = new SearchInsights({ orm, logger });
  insights.start();
  closer.add(() => insights.close());
  const stock = new StockViewRepository();
  const reindexer = new ReindexService(products, stock, orm, index, cache, logger);
  const search = new SearchService(index, cache, insights);

  let relay: ProductEventRelay | undefined;
  let indexer: IdempotentConsumer<never> | undefined;
  if (config.CATALOG_RELAY || config.CATALOG_INDEXER) {
    const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'catalog', logger });
    await bus.ensureTopics([config.CATALOG_EVENTS_TOPIC]);
    if (config.CATALOG_RELAY) {
      const publisher = bus.createPublisher();
      closer.add(() => publisher.close());
      relay = new ProductEventRelay({
        products,
        publisher,
        logger,
        topic: config.CATALOG_EVENTS_TOPIC,
      });
      relay.start();
      const r = relay;
      closer.add(() => r.stop());
    }
    if (config.CATALOG_INDEXER) {
      const consumer = createProductIndexer({
        bus,
        orm,
        logger,
        products,
        stock,
        index,
        cache,
        productCache,
        topic: config.CATALOG_EVENTS_TOPIC,
        groupId: config.CATALOG_INDEXER_GROUP,
      });
      await consumer.start();
      closer.add(() => consumer.close());
      indexer = consumer;
    }
  }
  const catalog = new CatalogService(products, () => relay?.notify(), undefined, productCache);
  const stockModule = await openStockModule(config, logger, {
    productExists: async (id) => (await catalog.byIds([id])).has(id),
    orm: stockOrmOptions,
  });
  closer.add(() => stockModule.close());

  if (seedSampleWhenEmpty(config) && (await products.count()) === 0) {
    await loadSampleCatalog(products, logger);
    await reindexer.reindex();
  }

  const http = await startSubgraphServer<CatalogContext>({
    ...subgraphServerSettings(config),
    name: 'catalog',
    registry,
    schema: await buildCatalogSchema(
      resolverContainer(
        new ProductResolver(catalog),
        new StockResolver(stockModule.stock),
        new SearchResolver(search, insights, reindexer),
        new ReplenishmentResolver(stockModule.replenishments),
      ),
    ),
    logger,
    checks: {
      ...stockModule.checks,
      mongodb: async () => void (await db.command({ ping: 1 })),
      mariadb: mariadbReady(orm),
      elasticsearch: () => index.ping(),
    },
    createContext: (base) => ({
      ...base,
      products: new BatchLoader((ids) => catalog.byIds(ids)),
      stock: new BatchLoader((ids) => stockModule.stock.levels(ids)),
    }),
  });
  closer.add(() => http.close());
  return {
    http,
    mongo,
    orm,
    catalog,
    stock: stockModule,
    search,
    reindexer,
    index,
    relay,
    indexer,
    close: () => closer.close(),
  };
}
