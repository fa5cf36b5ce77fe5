import { env } from '@shop/platform';
import { sagaCommandTopic, TOPICS } from '@shop/schema';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';

export const catalogConfigSchema = subgraphConfigSchema(4001).extend({
  MONGODB_URL: env.string('mongodb://127.0.0.1:27018'),
  MONGODB_DATABASE: env.string('shop_catalog'),
  /** Catalog's MariaDB database: the indexer's inbox, stock view and search insights. */
  ...mariadbSettings('catalog'),
  KAFKA_BROKERS: env.list('127.0.0.1:9093'),
  /** Where product events go and the indexer reads (tests give each run its own). */
  CATALOG_EVENTS_TOPIC: env.string(TOPICS.catalogEvents),
  /** Saga commands of the `catalog` participant (reserve, release, commit stock). */
  STOCK_COMMAND_TOPIC: env.string(sagaCommandTopic('catalog')),
  STOCK_COMMAND_GROUP: env.string('catalog.saga-commands'),
  /**
   * Saga commands of the `catalog-replenishment` participant (the replenishment saga), on a topic
   * and group of their own: a supplier call that takes seconds never holds up checkout's stock
   * commands behind it.
   */
  REPLENISHMENT_COMMAND_TOPIC: env.string(sagaCommandTopic('catalog-replenishment')),
  REPLENISHMENT_COMMAND_GROUP: env.string('catalog.replenishment-commands'),
  /** Saga lifecycle events (a parked replenishment saga) and catalog's consumer group on them. */
  SAGA_EVENTS_TOPIC: env.string(TOPICS.sagaEvents),
  CATALOG_SAGA_EVENTS_GROUP: env.string('catalog.saga-events'),
  /**
   * The simulated supplier's lead time: from a purchase order to its (first) delivery; `sim-partial`
   * delivers the rest after twice this.
   */
  SUPPLIER_LEAD_TIME_MS: z.coerce.number().int().min(0).default(5000),
  /** Deadline of one call to the supplier (placing an order, asking for deliveries). */
  SUPPLIER_CALL_TIMEOUT_MS: z.coerce.number().int().min(50).max(5000).default(2000),
  /**
   * Calls of a purchase order in all while the supplier is unavailable or misses its deadline,
   * with a backoff of 200 ms doubling in between (the whole stays within 8 s).
   */
  SUPPLIER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** How often goods inward asks the supplier what arrived for the open purchase orders. */
  GOODS_INWARD_POLL_MS: z.coerce.number().int().min(50).default(1000),
  CATALOG_INDEXER_GROUP: env.string('catalog-indexer'),
  ELASTICSEARCH_URL: env.url('http://127.0.0.1:9201'),
  /** The alias searches and writes use; each reindex puts a new index behind it. */
  SEARCH_INDEX_ALIAS: env.string('products'),
  /**
   * false: indices this process creates get an empty synonym list (SHOP_SYNONYMS otherwise), to
   * measure what the synonyms bring; takes effect with the next reindex.
   */
  SEARCH_SYNONYMS: env.bool(true),
  /** Deadline of one Elasticsearch search. */
  SEARCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  REDIS_URL: env.url('redis://127.0.0.1:6380'),
  /** false: every search goes to Elasticsearch (no Redis needed). */
  SEARCH_CACHE: env.bool(true),
  SEARCH_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Deadline of each cache call; past it the search is answered without the cache. */
  SEARCH_CACHE_DEADLINE_MS: z.coerce.number().int().min(5).default(50),
  SEARCH_CACHE_PREFIX: env.string('catalog:search:'),
  /**
   * true: product lookups by id (`product`, `products`, references) go through Redis (see
   * ProductCache), keyed by `PRODUCT_CACHE_PREFIX` and the MongoDB database. Every write through
   * CatalogService refreshes the entry; a write behind its back (`seedProducts` on a product a
   * running catalog has read) is not seen until the entry's TTL.
   */
  PRODUCT_CACHE: env.bool(true),
  PRODUCT_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  PRODUCT_CACHE_PREFIX: env.string('catalog:product:'),
  /** Run the product event relay in this process (MongoDB -> catalog.events). */
  CATALOG_RELAY: env.bool(true),
  /** Run the search indexer (catalog.events -> Elasticsearch) in this process. */
  CATALOG_INDEXER: env.bool(true),
  /**
   * Load the superstore sample catalog (and index it) when the catalog is empty. Default: on in
   * development only.
   */
  SEED_SAMPLE_WHEN_EMPTY: z.enum(['true', 'false', '1', '0', 'auto']).default('auto'),
});
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

export const seedSampleWhenEmpty = (c: CatalogConfig): boolean =>
  c.SEED_SAMPLE_WHEN_EMPTY === 'auto'
    ? c.NODE_ENV === 'development'
    : c.SEED_SAMPLE_WHEN_EMPTY === 'true' || c.SEED_SAMPLE_WHEN_EMPTY === '1';
