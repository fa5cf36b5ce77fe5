import type { MikroORM } from '@mikro-orm/mysql';
import { createLogger, type Logger } from '@shop/platform';
import type { TestStack } from '@shop/testing';
import { KafkaBus, type KafkaPublisher } from '../src/index.js';
import { openMessagingOrm } from '../src/tables.js';

export const testLogger = (name: string): Logger =>
  createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export const openOrm = openMessagingOrm;

export const newBus = (brokers: string, name: string): KafkaBus =>
  new KafkaBus({ brokers: brokers.split(','), clientId: name, logger: testLogger(name) });

export { Child, killAll, spawnNode } from '@shop/testing';

/** One consumer test run: a database made with `ddl`, a topic, a group id, a bus and a publisher. */
export interface ConsumerTestWorld {
  readonly orm: MikroORM;
  readonly bus: KafkaBus;
  readonly publisher: KafkaPublisher;
  readonly topic: string;
  readonly groupId: string;
  /** Closes the publisher, deletes the topic and the group's DLQ, closes the bus, ORM and stack. */
  close(): Promise<void>;
}

export async function openConsumerWorld(
  stack: TestStack,
  name: string,
  ddl: readonly string[],
  partitions = 3,
): Promise<ConsumerTestWorld> {
  const topic = stack.ns.topic('orders.events');
  const groupId = stack.ns.group(name);
  const orm = await openOrm((await stack.createDatabase(name)).url, ddl);
  const bus = newBus(stack.env.KAFKA_BROKERS, `${name}-test`);
  await bus.ensureTopics([topic], partitions);
  const publisher = bus.createPublisher();
  return {
    orm,
    bus,
    publisher,
    topic,
    groupId,
    async close() {
      await publisher.close();
      await bus.deleteTopics([topic, `${groupId}.dlq`]);
      await bus.close();
      await orm.close(true);
      await stack.cleanup();
    },
  };
}

/** One record as it sits in a topic: what a consumer without an inbox would get. */
export interface RawRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly rawKey: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Every record of `topic` up to its end as of this call, read with a plain kafkajs consumer (its
 * own throwaway group, no inbox): tests that claim "once" or "in order" count these raw
 * deliveries. In partition, then offset order. Fails after `timeoutMs`.
 */
export async function readTopic(
  bus: KafkaBus,
  topic: string,
  timeoutMs = 30_000,
): Promise<RawRecord[]> {
  const ends = await bus.topicOffsets(topic);
  const pending = new Map(ends.filter((e) => e.high > e.low).map((e) => [e.partition, e.high]));
  const records: RawRecord[] = [];
  if (pending.size === 0) return records;
  const kafka = bus.rawKafka();
  const groupId = `raw-reader-${crypto.randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out reading ${topic}`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const high = pending.get(partition);
            if (high === undefined || Number(message.offset) >= high) return;
            const headers: Record<string, string> = {};
            for (const [name, v] of Object.entries(message.headers ?? {}))
              if (v !== undefined) headers[name] = (Array.isArray(v) ? v[0] : v)!.toString();
            records.push({
              partition,
              offset: Number(message.offset),
              key: message.key?.toString() ?? null,
              rawKey: message.key,
              value: message.value,
              headers,
            });
            if (Number(message.offset) + 1 >= high) pending.delete(partition);
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** The envelope's `data.reason` (orders.order-failed events), for order checks. */
export const reasonOf = (r: RawRecord): string =>
  (JSON.parse(r.value!.toString()) as { data: { reason: string } }).data.reason;

/** Resolves when `open()` is called: a gate a test holds a relay or a send at. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
