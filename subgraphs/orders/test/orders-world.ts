import { cartConfigSchema, startCartApp, type CartApp } from '@shop/cart';
import { catalogConfigSchema, startCatalogApp, type CatalogApp } from '@shop/catalog';
import type { KafkaPublisher } from '@shop/messaging';
import { createLogger, parseConfig } from '@shop/platform';
import {
  createEnvelope,
  type DataOf,
  type SagaCommandContract,
  type SagaCommandMeta,
} from '@shop/schema';
import { gql, proofMinter, type GraphQLResponse } from '@shop/subgraph-kit/testing';
import { waitUntil, type TestStack } from '@shop/testing';
import { seedUsers, startUsersApp, usersConfigSchema, type UsersApp } from '@shop/users';
import mysql from 'mysql2/promise';
import { ordersConfigSchema, startOrdersApp, TEST_CARDS, type OrdersApp } from '../src/index.js';

export { TEST_CARDS };

/**
 * Test support of the orders tests: orders with its real callees (cart, which prices from a real
 * catalog, and users), each on its own database, and orders' Kafka topics namespaced for the run.
 */
export interface OrdersWorld {
  readonly orders: OrdersApp;
  readonly cart: CartApp;
  readonly catalog: CatalogApp;
  readonly users: UsersApp;
  readonly url: string;
  readonly topics: { events: string; commands: string; delivery: string; sagas: string };
  /** A new customer account; returns its id. */
  customer(): Promise<string>;
  /** Creates a product in catalog with a price and stock. */
  product(id: string, priceCents: number, onHand: number): Promise<void>;
  addToCart(userId: string, productId: string, quantity: number): Promise<void>;
  /** A GraphQL call to orders as the user (gateway proof for orders). */
  as<T>(
    userId: string,
    query: string,
    variables?: Record<string, unknown>,
    roles?: string[],
  ): Promise<GraphQLResponse<T>>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  publisher(): KafkaPublisher;
  /** A saga command for orders' participant, as the orchestrator sends it. */
  command<C extends SagaCommandContract>(
    contract: C,
    saga: SagaCommandMeta,
    payload: unknown,
  ): { topic: string; key: string; value: string };
  /** Waits until the outbox is empty: everything committed so far reached Kafka. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

const logLevel = () => process.env.TEST_LOG_LEVEL ?? 'silent';

export async function openOrdersWorld(
  stack: TestStack,
  env: Record<string, string> = {},
): Promise<OrdersWorld> {
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
      SEARCH_INDEX_ALIAS: stack.ns.index('products_orders'),
      SEARCH_CACHE_PREFIX: `${stack.ns.redisPrefix}catalog:`,
      CATALOG_INDEXER_GROUP: stack.ns.group('catalog-indexer'),
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      SEED_SAMPLE_WHEN_EMPTY: 'false',
      PORT: '0',
      NODE_ENV: 'test',
    }),
    createLogger('catalog', logLevel()),
  );
  const cartDb = await stack.createDatabase('cart');
  const cart = await startCartApp(
    parseConfig(cartConfigSchema, {
      ...cartDb.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      CATALOG_URL: catalog.http.url,
      // As for orders' calls below: no test here is about cart's deadline on catalog, and a loaded
      // CI machine once took over the 2 s default to answer cart's product read.
      CATALOG_TIMEOUT_MS: '10000',
    }),
    createLogger('cart', logLevel()),
  );
  const usersDb = await stack.createDatabase('users');
  const users = await startUsersApp(
    parseConfig(usersConfigSchema, {
      ...usersDb.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
      PASSWORD_HASH_COST: '4',
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      USERS_EVENTS_TOPIC: stack.ns.topic('users.events'),
      USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
      USERS_COMMAND_GROUP: stack.ns.group('users.saga-commands'),
    }),
    createLogger('users', logLevel()),
  );
  const ordersDb = await stack.createDatabase('orders');
  const topics = {
    events: stack.ns.topic('orders.events'),
    commands: stack.ns.topic('sagas.commands.orders'),
    delivery: stack.ns.topic('delivery.events'),
    sagas: stack.ns.topic('sagas.events'),
  };
  const orders = await startOrdersApp(
    parseConfig(ordersConfigSchema, {
      ...ordersDb.mysqlEnv,
      PORT: '0',
      NODE_ENV: 'test',
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      ORDERS_EVENTS_TOPIC: topics.events,
      ORDERS_COMMAND_TOPIC: topics.commands,
      ORDERS_COMMAND_GROUP: stack.ns.group('orders.saga-commands'),
      DELIVERY_EVENTS_TOPIC: topics.delivery,
      SAGA_EVENTS_TOPIC: topics.sagas,
      ORDERS_EVENTS_GROUP: stack.ns.group('orders.event-consumer'),
      CART_URL: cart.http.url,
      USERS_URL: users.http.url,
      // Short enough for the timeout card's tests, long enough that a loaded machine's ledger
      // write is not taken for an unknown outcome (which replies nothing; tests await replies).
      PAYMENT_TIMEOUT_MS: '1500',
      // No test here is about the cart's deadline: a loaded CI machine once took over 2 s to
      // answer checkoutCart, failing a payment test at its first step.
      SERVICE_CALL_TIMEOUT_MS: '10000',
      ...env,
    }),
    createLogger('orders', logLevel()),
    { pool: { min: 0, max: 20 } },
    { providerHangMs: 5_000 },
  );
  const pool = mysql.createPool({ uri: ordersDb.url, connectionLimit: 4 });
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(sql, params))[0] as T[];
  const cartProof = proofMinter('cart');
  const ordersProof = proofMinter('orders');
  const catalogAdmin = () => proofMinter('catalog')({ sub: crypto.randomUUID(), roles: ['admin'] });
  const publishers: KafkaPublisher[] = [];
  return {
    orders,
    cart,
    catalog,
    users,
    url: orders.http.url,
    topics,
    async customer() {
      const [id] = await seedUsers(
        usersDb.url,
        [{ email: `${crypto.randomUUID()}@shop.test`, password: 'Passw0rdPassw0rd' }],
        { passwordHashCost: 4 },
      );
      return id as string;
    },
    async product(id, priceCents, onHand) {
      // Through catalog's writer, which refreshes its product cache (on by default): a re-price
      // seeded straight into MongoDB would be served stale from the cache.
      await catalog.catalog.upsert({ id, title: `Product ${id}`, description: '', priceCents });
      const res = await gql(
        catalog.http.url,
        'mutation ($i: AdjustStockInput!) { adjustStock(input: $i) { onHand } }',
        { i: { productId: id, setOnHand: onHand } },
        await catalogAdmin(),
      );
      if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors));
    },
    async addToCart(userId, productId, quantity) {
      const res = await gql(
        cart.http.url,
        'mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { id } }',
        { p: productId, q: quantity },
        await cartProof({ sub: userId, roles: ['customer'] }),
      );
      if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors));
    },
    async as(userId, query, variables = {}, roles = ['customer']) {
      return gql(orders.http.url, query, variables, await ordersProof({ sub: userId, roles }));
    },
    rows,
    publisher() {
      const p = orders.orders.bus.createPublisher();
      publishers.push(p);
      return p;
    },
    command(contract, saga, payload) {
      const envelope = createEnvelope(contract, {
        key: saga.sagaId,
        source: 'test-orchestrator',
        data: { saga, payload } as DataOf<typeof contract>,
      });
      return { topic: topics.commands, key: saga.sagaId, value: JSON.stringify(envelope) };
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
      for (const p of publishers) await p.close().catch(() => undefined);
      await orders.close();
      await users.close();
      await cart.close();
      await catalog.close();
      await pool.end();
      await orders.orders.bus.deleteTopics(Object.values(topics)).catch(() => undefined);
      await stack.cleanup();
    },
  };
}

/** Every raw delivery of a topic, read from its beginning by a throwaway consumer group. */
export interface TopicProbe {
  readonly envelopes: {
    type: string;
    version: number;
    key: string;
    data: Record<string, unknown>;
  }[];
  stop(): Promise<void>;
}

export async function probeTopic(
  world: OrdersWorld,
  stack: TestStack,
  topic: string,
): Promise<TopicProbe> {
  const envelopes: TopicProbe['envelopes'] = [];
  const consumer = world.orders.orders.bus
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

export const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'New York',
  region: 'NY',
  postalCode: '10001',
  country: 'US',
};

export const PLACE_ORDER = `mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id orderNumber status totalCents subtotalCents currency
    lines { product { id } title quantity unitPriceCents }
    payment { status capturedCents refundedCents cardLast4 }
    history { from to }
  }
}`;
