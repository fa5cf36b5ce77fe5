import { createLogger, parseConfig } from '@shop/platform';
import type { TestStack } from '@shop/testing';
import type { MongoClientOptions } from 'mongodb';
import { catalogConfigSchema, startCatalogApp, type CatalogApp } from '../src/index.js';

/** The catalog's settings for one test file: its own Mongo database, index alias, topic, group. */
export async function catalogEnv(
  stack: TestStack,
  name: string,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  const db = await stack.createDatabase(`catalog_${name}`);
  return {
    MONGODB_URL: stack.env.MONGODB_URL,
    MONGODB_DATABASE: stack.ns.mongoDatabase(name),
    ...db.mysqlEnv,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    CATALOG_EVENTS_TOPIC: stack.ns.topic('catalog.events'),
    CATALOG_INDEXER_GROUP: stack.ns.group('catalog-indexer'),
    ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
    SEARCH_INDEX_ALIAS: stack.ns.index(`products_${name}`),
    REDIS_URL: stack.env.REDIS_URL,
    SEARCH_CACHE_PREFIX: `${stack.ns.redisPrefix}catalog:`,
    PRODUCT_CACHE_PREFIX: `${stack.ns.redisPrefix}product:`,
    SEED_SAMPLE_WHEN_EMPTY: 'false',
    PORT: '0',
    NODE_ENV: 'test',
    STOCK_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog'),
    STOCK_COMMAND_GROUP: stack.ns.group('catalog.saga-commands'),
    REPLENISHMENT_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog-replenishment'),
    REPLENISHMENT_COMMAND_GROUP: stack.ns.group('catalog.replenishment-commands'),
    SAGA_EVENTS_TOPIC: stack.ns.topic('sagas.events'),
    CATALOG_SAGA_EVENTS_GROUP: stack.ns.group('catalog.saga-events'),
    ...overrides,
  };
}

export async function startTestCatalog(
  env: Record<string, string>,
  mongoOptions: MongoClientOptions = {},
): Promise<CatalogApp> {
  return startCatalogApp(
    parseConfig(catalogConfigSchema, env),
    createLogger('catalog', 'silent'),
    mongoOptions,
  );
}

/** Deletes what a test file's catalog left in Elasticsearch and MongoDB. */
export async function dropCatalogData(app: CatalogApp | undefined, env: Record<string, string>) {
  if (app === undefined) return;
  await app.mongo
    .db(env.MONGODB_DATABASE)
    .dropDatabase()
    .catch(() => undefined);
  await fetch(`${env.ELASTICSEARCH_URL}/${env.SEARCH_INDEX_ALIAS}-*`, { method: 'DELETE' }).catch(
    () => undefined,
  );
}
