// Time from start to COMPLETED of the three-step demo saga at 1, 10 and 50 concurrent sagas, with
// the orchestrator and the three participants on the local stack. Not a test: prints figures.
// `npm run bench -w sagas` (BENCH_SAMPLES per level, default 50).
import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import { createLogger } from '@shop/platform';
import { SAGA_COMMAND_TOPIC_PREFIX } from '@shop/schema';
import { TestStack } from '@shop/testing';
import { SAGA_TABLES_DDL, SagaOrchestrator } from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga } from '../test/demo/demo-order.saga.js';
import { DEMO_PARTICIPANT_DDL, DemoParticipants } from '../test/demo/demo-participants.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const LEVELS = [1, 10, 50];
const stack = new TestStack('benchsaga');
const logger = createLogger('bench', 'error');

const open = (url: string, ddl: readonly string[]): Promise<MikroORM> =>
  openMessagingOrm(url, ddl, { pool: { min: 2, max: 20 } });

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

try {
  const sagasOrm = await open((await stack.createDatabase('sagas')).url, SAGA_TABLES_DDL);
  const partOrm = await open((await stack.createDatabase('participants')).url, [
    ...DEMO_PARTICIPANT_DDL,
    "INSERT INTO demo_stock (sku, available) VALUES ('sku-1', 100000000)",
  ]);
  const bus = new KafkaBus({
    brokers: stack.env.KAFKA_BROKERS.split(','),
    clientId: 'bench-sagas',
    logger,
  });
  const replyTopic = stack.ns.topic('sagas.replies');
  const commandTopicPrefix = stack.ns.topic(SAGA_COMMAND_TOPIC_PREFIX);
  const orchestrator = new SagaOrchestrator({
    bus,
    orm: sagasOrm,
    logger,
    sagas: [demoOrderSaga()],
    replyTopic,
    commandTopicPrefix,
    groupId: stack.ns.group('orchestrator'),
  });
  const topics = orchestrator.topics();
  await bus.ensureTopics(topics);
  const participants = new DemoParticipants({
    bus,
    logger,
    orms: { inventory: partOrm, payment: partOrm, shipping: partOrm },
    commandTopicPrefix,
    groupPrefix: `${stack.ns.runId}.`,
  });
  await participants.start();
  await orchestrator.start();
  await orchestrator.joined();

  const waiting = new Map<string, (status: string) => void>();
  orchestrator.onFinished((f) => waiting.get(f.id)?.(f.status));
  const runOne = async (i: number): Promise<number> => {
    const id = crypto.randomUUID();
    const done = new Promise<string>((resolve) => waiting.set(id, resolve));
    const t0 = performance.now();
    await orchestrator.startSaga(
      DEMO_ORDER_SAGA,
      {
        sku: 'sku-1',
        quantity: 1,
        account: `acc-${i}`,
        amountCents: 1000,
        address: `${i} Main St`,
      },
      { id },
    );
    const status = await done;
    waiting.delete(id);
    if (status !== 'COMPLETED') throw new Error(`saga ${id} ended ${status}`);
    return performance.now() - t0;
  };

  // Warm-up: connections, group joins, JIT.
  await Promise.all(Array.from({ length: 10 }, (_, i) => runOne(i)));
  console.log(
    `three-step demo saga (3 participants, real Kafka + MariaDB), ${SAMPLES} sagas per level`,
  );
  for (const level of LEVELS) {
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < SAMPLES) {
      const n = Math.min(level, SAMPLES - times.length);
      times.push(
        ...(await Promise.all(Array.from({ length: n }, (_, i) => runOne(times.length + i)))),
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `concurrency ${String(level).padStart(2)}: p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms, ${(times.length / seconds).toFixed(1)} sagas/s`,
    );
  }
  await orchestrator.close();
  await participants.close();
  await bus.deleteTopics(topics);
  await bus.close();
  await sagasOrm.close(true);
  await partOrm.close(true);
} finally {
  await stack.cleanup();
}
