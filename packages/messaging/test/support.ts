import { createLogger, type Logger } from '@shop/platform';
import { KafkaBus } from '../src/index.js';
import { openMessagingOrm } from '../src/tables.js';

export const testLogger = (name: string): Logger =>
  createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export const openOrm = openMessagingOrm;

export const newBus = (brokers: string, name: string): KafkaBus =>
  new KafkaBus({ brokers: brokers.split(','), clientId: name, logger: testLogger(name) });

export { Child, killAll, spawnNode } from '@shop/testing';
