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
