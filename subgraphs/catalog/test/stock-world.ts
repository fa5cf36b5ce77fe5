import type { KafkaPublisher, OutgoingMessage } from '@shop/messaging';
import { createLogger, parseConfig } from '@shop/platform';
import {
  awaitGoodsV1,
  closeReplenishmentV1,
  createEnvelope,
  placePurchaseOrderV1,
  stockGoodsV1,
  type DataOf,
  type SagaCommandContract,
  type SagaCommandMeta,
} from '@shop/schema';
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
  /** The replenishment participant's command topic (this run's own). */
  readonly replenishmentTopic: string;
  /** Where the orchestrator would publish `sagas.saga-parked` (this run's own topic). */
  readonly sagaEventsTopic: string;
  /** Queries the stock ORM sent that read the `stock` table (the batching tests count them). */
  readonly stockSelects: { count: number };
  /**
   * Creates or overwrites a product's stock row straight in the database (the supplier: the
   * simulator's scenario, see SIMULATED_SUPPLIERS; 'default' delivers all after the lead time).
   */
  setStock(
    productId: string,
    onHand: number,
    lowStockThreshold?: number,
    supplier?: string,
  ): Promise<void>;
  level(productId: string): Promise<StockLevel | undefined>;
  count(sql: string, params?: unknown[]): Promise<number>;
  /** Runs SQL straight on the world's database (as an operator would). */
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Waits until the outbox is empty: everything committed so far reached Kafka. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the world; `env` overrides catalog settings (a test sets the simulated supplier's lead
 * time with `SUPPLIER_LEAD_TIME_MS`, goods inward's pace with `GOODS_INWARD_POLL_MS`).
 */
export async function openStockWorld(
  stack: TestStack,
  env: Record<string, string> = {},
): Promise<StockWorld> {
  const db = await stack.createDatabase('catalog');
  const mongoDatabase = stack.ns.mongoDatabase('catalog');
  const eventsTopic = stack.ns.topic('catalog.events');
  const commandTopic = stack.ns.topic('sagas.commands.catalog');
  const replenishmentTopic = stack.ns.topic('sagas.commands.catalog-replenishment');
  const sagaEventsTopic = stack.ns.topic('sagas.events');
  const config = parseConfig(catalogConfigSchema, {
    NODE_ENV: 'test',
    ...db.mysqlEnv,
    MONGODB_URL: stack.env.MONGODB_URL,
    MONGODB_DATABASE: mongoDatabase,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    // This run's stack, not the defaults (another engineer's stack, or nothing, on a private one).
    ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
    REDIS_URL: stack.env.REDIS_URL,
    SEARCH_INDEX_ALIAS: stack.ns.index('products_stock'),
    SEARCH_CACHE_PREFIX: `${stack.ns.redisPrefix}catalog:`,
    CATALOG_EVENTS_TOPIC: eventsTopic,
    STOCK_COMMAND_TOPIC: commandTopic,
    STOCK_COMMAND_GROUP: stack.ns.group('catalog.saga-commands'),
    REPLENISHMENT_COMMAND_TOPIC: replenishmentTopic,
    REPLENISHMENT_COMMAND_GROUP: stack.ns.group('catalog.replenishment-commands'),
    SAGA_EVENTS_TOPIC: sagaEventsTopic,
    CATALOG_SAGA_EVENTS_GROUP: stack.ns.group('catalog.saga-events'),
    PORT: '0',
    ...env,
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
    replenishmentTopic,
    sagaEventsTopic,
    stockSelects,
    async setStock(productId, onHand, lowStockThreshold = 0, supplier = 'default') {
      await pool.query(
        `INSERT INTO stock (product_id, on_hand, reserved, low_stock_threshold, supplier)
         VALUES (?, ?, 0, ?, ?)
         ON DUPLICATE KEY UPDATE on_hand = VALUES(on_hand), reserved = 0,
           low_stock_threshold = VALUES(low_stock_threshold), supplier = VALUES(supplier)`,
        [productId, onHand, lowStockThreshold, supplier],
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
    rows,
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
      await app.stock.bus
        .deleteTopics([eventsTopic, commandTopic, replenishmentTopic, sagaEventsTopic])
        .catch(() => undefined);
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

/** A participant's reply to a saga command, as the orchestrator reads it. */
export interface SagaReply {
  sagaId: string;
  sagaType: string;
  step: number;
  action: string;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
}

/** The orchestrator's side of the participant tests: commands out, replies in (this run's topics). */
export interface SagaDriver {
  readonly publisher: KafkaPublisher;
  readonly replyTopic: string;
  /** A saga command to publish, replying to this driver's topic. */
  command<C extends SagaCommandContract>(
    contract: C,
    saga: Omit<SagaCommandMeta, 'replyTo'>,
    payload: unknown,
  ): OutgoingMessage;
  /** Every reply of one saga so far (raw deliveries, in arrival order). */
  repliesOf(sagaId: string): SagaReply[];
  close(): Promise<void>;
}

/** The contracts the `catalog-replenishment` participant takes. */
const REPLENISHMENT_COMMANDS: ReadonlySet<string> = new Set(
  [placePurchaseOrderV1, awaitGoodsV1, stockGoodsV1, closeReplenishmentV1].map((c) => c.name),
);

export async function openSagaDriver(world: StockWorld, stack: TestStack): Promise<SagaDriver> {
  const replyTopic = stack.ns.topic('sagas.replies');
  await world.app.stock.bus.ensureTopics([replyTopic]);
  const publisher = world.app.stock.bus.createPublisher();
  const replies = await probeTopic(world, stack, replyTopic);
  return {
    publisher,
    replyTopic,
    command(contract, saga, payload) {
      const data = { saga: { ...saga, replyTo: replyTopic }, payload };
      const envelope = createEnvelope(contract, {
        key: saga.sagaId,
        source: 'test-orchestrator',
        data: data as DataOf<typeof contract>,
      });
      // The replenishment saga's commands go to their own participant's topic.
      const topic = REPLENISHMENT_COMMANDS.has(contract.name)
        ? world.replenishmentTopic
        : world.commandTopic;
      return { topic, key: saga.sagaId, value: JSON.stringify(envelope) };
    },
    repliesOf: (sagaId) =>
      replies.envelopes.filter((e) => e.key === sagaId).map((e) => e.data as unknown as SagaReply),
    async close() {
      await replies.stop();
      await publisher.close();
      await world.app.stock.bus.deleteTopics([replyTopic]).catch(() => undefined);
    },
  };
}
