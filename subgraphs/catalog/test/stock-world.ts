import { createLogger, parseConfig } from '@shop/platform';
import { waitUntil, type TestStack } from '@shop/testing';
import mysql from 'mysql2/promise';
import type { StockLevel } from '../src/domain/stock.js';
import { catalogConfigSchema, startCatalogApp, type CatalogApp } from '../src/index.js';

/** Test support of the stock tests: one catalog app on its own databases and topics. */
export interface StockWorld {
  readonly app: CatalogApp;
  readonly url: string;
  readonly mongoDatabase: string;
  readonly eventsTopic: string;
  readonly commandTopic: string;
  /** Queries the stock ORM sent that read the `stock` table (the batching tests count them). */
  readonly stockSelects: { count: number };
  /** Creates or overwrites a product's stock row straight in the database. */
  setStock(productId: string, onHand: number, lowStockThreshold?: number): Promise<void>;
  level(productId: string): Promise<StockLevel | undefined>;
  count(sql: string, params?: unknown[]): Promise<number>;
  /** Waits until the outbox is empty: everything committed so far reached Kafka. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function openStockWorld(stack: TestStack): Promise<StockWorld> {
  const db = await stack.createDatabase('catalog');
  const mongoDatabase = stack.ns.mongoDatabase('catalog');
  const eventsTopic = stack.ns.topic('catalog.events');
  const commandTopic = stack.ns.topic('sagas.commands.catalog');
  const config = parseConfig(catalogConfigSchema, {
    NODE_ENV: 'test',
    ...db.mysqlEnv,
    MONGODB_URL: stack.env.MONGODB_URL,
    MONGODB_DATABASE: mongoDatabase,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    // The stack's servers, not the defaults: a private stack runs them on other ports.
    ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
    REDIS_URL: stack.env.REDIS_URL,
    CATALOG_EVENTS_TOPIC: eventsTopic,
    STOCK_COMMAND_TOPIC: commandTopic,
    STOCK_COMMAND_GROUP: stack.ns.group('catalog.saga-commands'),
    PORT: '0',
  });
  const stockSelects = { count: 0 };
  const app = await startCatalogApp(
    config,
    createLogger('catalog', process.env.TEST_LOG_LEVEL ?? 'silent'),
    {},
    {
      pool: { min: 0, max: 20 },
      debug: ['query'],
      colors: false,
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /\bfrom `stock`/.test(message)) stockSelects.count++;
      },
    },
  );
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(sql, params))[0] as T[];
  return {
    app,
    url: app.http.url,
    mongoDatabase,
    eventsTopic,
    commandTopic,
    stockSelects,
    async setStock(productId, onHand, lowStockThreshold = 0) {
      await pool.query(
        `INSERT INTO stock (product_id, on_hand, reserved, low_stock_threshold) VALUES (?, ?, 0, ?)
         ON DUPLICATE KEY UPDATE on_hand = VALUES(on_hand), reserved = 0,
           low_stock_threshold = VALUES(low_stock_threshold)`,
        [productId, onHand, lowStockThreshold],
      );
    },
    async level(productId) {
      const [r] = await rows<{
        on_hand: number;
        reserved: number;
        low_stock_threshold: number;
      }>('SELECT on_hand, reserved, low_stock_threshold FROM stock WHERE product_id = ?', [
        productId,
      ]);
      return r === undefined
        ? undefined
        : {
            productId,
            onHand: r.on_hand,
            reserved: r.reserved,
            lowStockThreshold: r.low_stock_threshold,
          };
    },
    async count(sql, params = []) {
      const [r] = await rows<{ n: number | string }>(sql, params);
      return Number(r?.n ?? 0);
    },
    async drained() {
      await waitUntil(
        async () =>
          Number(
            (await rows<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_message'))[0]?.n ?? 1,
          ) === 0,
        { timeoutMs: 20_000, what: 'the outbox to drain' },
      );
    },
    async close() {
      await app.close();
      await app.mongo
        .db(mongoDatabase)
        .dropDatabase()
        .catch(() => undefined);
      await pool.end();
      await app.stock.bus.deleteTopics([eventsTopic, commandTopic]).catch(() => undefined);
      await stack.cleanup();
    },
  };
}

/** Every raw delivery of a topic, read from its beginning by a throwaway consumer group. */
export interface TopicProbe {
  readonly envelopes: { type: string; key: string; data: Record<string, unknown> }[];
  stop(): Promise<void>;
}

export async function probeTopic(
  world: StockWorld,
  stack: TestStack,
  topic: string,
): Promise<TopicProbe> {
  const envelopes: TopicProbe['envelopes'] = [];
  const consumer = world.app.stock.bus
    .rawKafka()
    .consumer({ groupId: stack.ns.group(`probe-${crypto.randomUUID()}`), maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      envelopes.push(JSON.parse(message.value?.toString() ?? '{}') as TopicProbe['envelopes'][0]);
    },
  });
  return { envelopes, stop: () => consumer.disconnect() };
}
