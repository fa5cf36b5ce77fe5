import { createLogger, parseConfig } from '@shop/platform';
import { waitUntil, type TestStack } from '@shop/testing';
import mysql from 'mysql2/promise';
import {
  deliveryConfigSchema,
  seedDelivery,
  startDeliveryApp,
  type DeliveryApp,
  type PartnerSeed,
} from '../src/index.js';

/** Test support: one delivery app on its own database and topics, with a movable clock. */
export interface DeliveryWorld {
  readonly app: DeliveryApp;
  readonly url: string;
  readonly dbUrl: string;
  readonly eventsTopic: string;
  readonly commandTopic: string;
  /** The app's clock: `clock.offsetMs` moves it. */
  readonly clock: { offsetMs: number };
  /** Counts `select … shipments` queries the ORM sent (batching tests). */
  readonly shipmentSelects: { count: number };
  /** Seeds partners; returns their ids in order. */
  partners(seeds: PartnerSeed[]): Promise<string[]>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Waits until the outbox is empty: everything committed so far reached Kafka. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function openDeliveryWorld(
  stack: TestStack,
  env: Record<string, string> = {},
): Promise<DeliveryWorld> {
  const db = await stack.createDatabase('delivery');
  const eventsTopic = stack.ns.topic('delivery.events');
  const commandTopic = stack.ns.topic('sagas.commands.delivery');
  const config = parseConfig(deliveryConfigSchema, {
    ...db.mysqlEnv,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    DELIVERY_EVENTS_TOPIC: eventsTopic,
    DELIVERY_COMMAND_TOPIC: commandTopic,
    DELIVERY_COMMAND_GROUP: stack.ns.group('delivery.saga-commands'),
    PORT: '0',
    NODE_ENV: 'test',
    ...env,
  });
  const clock = { offsetMs: 0 };
  const shipmentSelects = { count: 0 };
  const app = await startDeliveryApp(
    config,
    createLogger('delivery', process.env.TEST_LOG_LEVEL ?? 'silent'),
    {
      pool: { min: 0, max: 20 },
      debug: ['query'],
      colors: false,
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /from `shipments`/.test(message))
          shipmentSelects.count++;
      },
    },
    { now: () => new Date(Date.now() + clock.offsetMs) },
  );
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(sql, params))[0] as T[];
  return {
    app,
    url: app.http.url,
    dbUrl: db.url,
    eventsTopic,
    commandTopic,
    clock,
    shipmentSelects,
    async partners(seeds) {
      return (await seedDelivery(db.url, { partners: seeds })).partnerIds;
    },
    rows,
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
      await pool.end();
      const bus = app.delivery.bus;
      await bus.deleteTopics([eventsTopic, commandTopic]).catch(() => undefined);
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
  world: DeliveryWorld,
  stack: TestStack,
  topic: string,
): Promise<TopicProbe> {
  const envelopes: TopicProbe['envelopes'] = [];
  const consumer = world.app.delivery.bus
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
