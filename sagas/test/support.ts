import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import { createLogger, type Logger } from '@shop/platform';
import type { TestStack } from '@shop/testing';
import { DEMO_PARTICIPANT_DDL, SAGA_TABLES_DDL } from '../src/index.js';

export const testLogger = (name: string): Logger =>
  createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export const openOrm = openMessagingOrm;

export const newBus = (brokers: string, name: string): KafkaBus =>
  new KafkaBus({ brokers: brokers.split(','), clientId: name, logger: testLogger(name) });

/** Databases and topic names of one saga test run. */
export interface SagaTestWorld {
  readonly sagasUrl: string;
  readonly participantsUrl: string;
  readonly replyTopic: string;
  readonly commandTopic: (participant: string) => string;
  readonly groupPrefix: string;
}

export async function createWorld(stack: TestStack): Promise<SagaTestWorld> {
  const sagas = await stack.createDatabase('sagas');
  const participants = await stack.createDatabase('participants');
  const setup = await openOrm(sagas.url, SAGA_TABLES_DDL);
  await setup.close(true);
  const p = await openOrm(participants.url, [
    ...DEMO_PARTICIPANT_DDL,
    "INSERT INTO demo_stock (sku, available) VALUES ('sku-1', 1000000), ('sku-empty', 0)",
  ]);
  await p.close(true);
  return {
    sagasUrl: sagas.url,
    participantsUrl: participants.url,
    replyTopic: stack.ns.topic('sagas.replies'),
    commandTopic: (participant) => stack.ns.topic(`sagas.commands.${participant}`),
    groupPrefix: `${stack.ns.runId}.`,
  };
}

export const worldTopics = (w: SagaTestWorld): string[] => [
  w.replyTopic,
  ...['demo-inventory', 'demo-payment', 'demo-shipping'].map(w.commandTopic),
];

export { Child, killAll, spawnNode } from '@shop/testing';
