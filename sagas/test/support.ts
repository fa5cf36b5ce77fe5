import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import { createLogger, type Logger } from '@shop/platform';
import { SAGA_COMMAND_TOPIC_PREFIX, sagaCommandTopic } from '@shop/schema';
import type { TestStack } from '@shop/testing';
import { SAGA_TABLES_DDL } from '../src/index.js';
import { DEMO_PARTICIPANT_NAMES } from './demo/demo-order.saga.js';
import { DEMO_PARTICIPANT_DDL, DemoParticipants } from './demo/demo-participants.js';

export const testLogger = (name: string): Logger =>
  createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export const openOrm = openMessagingOrm;

export const newBus = (brokers: string, name: string): KafkaBus =>
  new KafkaBus({ brokers: brokers.split(','), clientId: name, logger: testLogger(name) });

/**
 * One saga test run: its own databases and topics, a bus, the orchestrator's and participants'
 * ORMs and the three demo participants, started. Each test adds the orchestrators it needs.
 */
export interface SagaTestWorld {
  readonly sagasUrl: string;
  readonly replyTopic: string;
  /** This run's command topic prefix (`<run id>.sagas.commands.`). */
  readonly commandTopicPrefix: string;
  readonly groupPrefix: string;
  readonly bus: KafkaBus;
  readonly sagasOrm: MikroORM;
  readonly participantsOrm: MikroORM;
  readonly participants: DemoParticipants;
  /** Stops the participants, deletes the topics, closes the bus, the ORMs and the stack. */
  close(): Promise<void>;
}

export async function openSagaWorld(
  stack: TestStack,
  name: string,
  participantsLogger: Logger = testLogger('participants'),
  beforeCommand?: ConstructorParameters<typeof DemoParticipants>[0]['beforeCommand'],
): Promise<SagaTestWorld> {
  const sagasUrl = (await stack.createDatabase('sagas')).url;
  const participantsUrl = (await stack.createDatabase('participants')).url;
  const replyTopic = stack.ns.topic('sagas.replies');
  const commandTopicPrefix = stack.ns.topic(SAGA_COMMAND_TOPIC_PREFIX);
  const topics = [
    replyTopic,
    ...Object.values(DEMO_PARTICIPANT_NAMES).map((p) => sagaCommandTopic(p, commandTopicPrefix)),
  ];
  const groupPrefix = `${stack.ns.runId}.`;
  const bus = newBus(stack.env.KAFKA_BROKERS, name);
  await bus.ensureTopics(topics);
  const sagasOrm = await openOrm(sagasUrl, SAGA_TABLES_DDL);
  const participantsOrm = await openOrm(participantsUrl, [
    ...DEMO_PARTICIPANT_DDL,
    "INSERT INTO demo_stock (sku, available) VALUES ('sku-1', 1000000), ('sku-empty', 0)",
  ]);
  const participants = new DemoParticipants({
    bus,
    logger: participantsLogger,
    orms: { inventory: participantsOrm, payment: participantsOrm, shipping: participantsOrm },
    commandTopicPrefix,
    groupPrefix,
    ...(beforeCommand === undefined ? {} : { beforeCommand }),
  });
  await participants.start();
  return {
    sagasUrl,
    replyTopic,
    commandTopicPrefix,
    groupPrefix,
    bus,
    sagasOrm,
    participantsOrm,
    participants,
    async close() {
      await participants.close();
      await bus.deleteTopics(topics);
      await bus.close();
      await sagasOrm.close(true);
      await participantsOrm.close(true);
      await stack.cleanup();
    },
  };
}

export { Child, killAll, spawnNode } from '@shop/testing';
