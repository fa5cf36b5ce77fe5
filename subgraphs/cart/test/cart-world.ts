import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogConfigSchema, startCatalogApp, type CatalogApp } from '@shop/catalog';
import { createLogger, parseConfig } from '@shop/platform';
import { loadStackConfig } from '@shop/stack';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import type { TestStack } from '@shop/testing';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair } from 'jose';
import { cartConfigSchema, startCartApp, type CartApp } from '../src/index.js';

/** Test support of the cart tests: a real catalog (cart's callee) and a cart app calling it. */
export interface CartWorld {
  readonly cart: CartApp;
  readonly catalog: CatalogApp;
  readonly url: string;
  readonly cartDbUrl: string;
  /** SELECTs cart sent to MariaDB for the carts table. */
  readonly selects: { count: number };
  /** Creates products in catalog with a price and stock. */
  product(id: string, priceCents: number, onHand: number): Promise<void>;
  setStock(id: string, onHand: number): Promise<void>;
  /** The pid of the stack's Redis (to SIGSTOP it). */
  redisPid(): number;
  close(): Promise<void>;
}

export async function openCartWorld(stack: TestStack): Promise<CartWorld> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const cartPublic = await exportJWK(pair.publicKey);
  const cartPrivate = await exportJWK(pair.privateKey);
  const logLevel = process.env.TEST_LOG_LEVEL ?? 'silent';

  const catalogDb = await stack.createDatabase('catalog');
  const mongoDatabase = stack.ns.mongoDatabase('catalog');
  const catalog = await startCatalogApp(
    parseConfig(catalogConfigSchema, {
      ...catalogDb.mysqlEnv,
      MONGODB_URL: stack.env.MONGODB_URL,
      MONGODB_DATABASE: mongoDatabase,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      CATALOG_EVENTS_TOPIC: stack.ns.topic('catalog.events'),
      STOCK_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog'),
      STOCK_COMMAND_GROUP: stack.ns.group('catalog.saga-commands'),
      // The replenishment participant and the parked-saga consumer, on this run's topics too.
      REPLENISHMENT_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog-replenishment'),
      REPLENISHMENT_COMMAND_GROUP: stack.ns.group('catalog.replenishment-commands'),
      SAGA_EVENTS_TOPIC: stack.ns.topic('sagas.events'),
      CATALOG_SAGA_EVENTS_GROUP: stack.ns.group('catalog.saga-events'),
      ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
      REDIS_URL: stack.env.REDIS_URL,
      SEARCH_INDEX_ALIAS: stack.ns.index('products_cart'),
      SEARCH_CACHE_PREFIX: `${stack.ns.redisPrefix}catalog:`,
      CATALOG_INDEXER_GROUP: stack.ns.group('catalog-indexer'),
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      SEED_SAMPLE_WHEN_EMPTY: 'false',
      PORT: '0',
      NODE_ENV: 'test',
      SERVICE_PUBLIC_KEYS: JSON.stringify({ cart: cartPublic }),
    }),
    createLogger('catalog', logLevel),
  );

  const cartDb = await stack.createDatabase('cart');
  const selects = { count: 0 };
  const cart = await startCartApp(
    parseConfig(cartConfigSchema, {
      ...cartDb.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      CATALOG_URL: catalog.http.url,
      // No test here is about the deadline on catalog; a loaded CI machine once took over the 2 s
      // default to answer cart's product read (in the orders test world).
      CATALOG_TIMEOUT_MS: '10000',
      SERVICE_SIGNING_KEY: JSON.stringify(cartPrivate),
    }),
    createLogger('cart', logLevel),
    {
      pool: { min: 0, max: 20 },
      debug: ['query'],
      colors: false,
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /carts/.test(message)) selects.count++;
      },
    },
  );

  const admin = () => proofMinter('catalog')({ sub: crypto.randomUUID(), roles: ['admin'] });
  const setStock = async (id: string, onHand: number) => {
    const res = await gql(
      catalog.http.url,
      'mutation ($i: AdjustStockInput!) { adjustStock(input: $i) { onHand } }',
      { i: { productId: id, setOnHand: onHand } },
      await admin(),
    );
    if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors));
  };
  return {
    cart,
    catalog,
    url: cart.http.url,
    cartDbUrl: cartDb.url,
    selects,
    async product(id, priceCents, onHand) {
      // Through the catalog's own write path, which refreshes its product cache.
      await catalog.catalog.upsert({ id, title: `Product ${id}`, description: '', priceCents });
      await setStock(id, onHand);
    },
    setStock,
    redisPid() {
      const runDir = loadStackConfig(process.env).runDir;
      return (JSON.parse(readFileSync(path.join(runDir, 'redis.pid'), 'utf8')) as { pid: number })
        .pid;
    },
    async close() {
      await cart.close();
      await catalog.close();
      const redis = new Redis(stack.env.REDIS_URL);
      const keys = await redis.keys(`${stack.ns.redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await stack.cleanup();
    },
  };
}
