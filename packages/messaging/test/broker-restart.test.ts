import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/mysql';
import { orderConfirmedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  IdempotentConsumer,
  Outbox,
  OutboxRelay,
  sqlRows,
  sqlRun,
  type KafkaBus,
} from '../src/index.js';
import { PrivateKafka } from './private-kafka.js';
import { newBus, openOrm, readTopic, testLogger } from './support.js';

const OUTAGE_MS = 30_000;

describe('broker restart', () => {
  const stack = new TestStack('brokerrestart');
  const topic = stack.ns.topic('orders.events');
  let kafka: PrivateKafka;
  let producerOrm: MikroORM;
  let consumerOrm: MikroORM;
  let bus: KafkaBus;
  let relay: OutboxRelay;
  let consumer: IdempotentConsumer<typeof orderConfirmedV1>;

  before(async () => {
    kafka = await PrivateKafka.create();
    await kafka.start();
    producerOrm = await openOrm((await stack.createDatabase('producer')).url);
    consumerOrm = await openOrm((await stack.createDatabase('consumer')).url, [
      'CREATE TABLE received (order_id VARCHAR(64) PRIMARY KEY, times INT NOT NULL)',
    ]);
    bus = newBus(kafka.brokers, 'broker-restart');
    await bus.ensureTopics([topic]);
    relay = new OutboxRelay({
      orm: producerOrm,
      publisher: bus.createPublisher(),
      logger: testLogger('relay'),
      leaseMs: 5000,
    });
    consumer = new IdempotentConsumer({
      bus,
      orm: consumerOrm,
      logger: testLogger('consumer'),
      groupId: stack.ns.group('restart-consumer'),
      topics: [topic],
      contracts: [orderConfirmedV1],
      handle: async ({ envelope }, { em }) => {
        await sqlRun(
          em,
          'INSERT INTO received (order_id, times) VALUES (?, 1) ON DUPLICATE KEY UPDATE times = times + 1',
          [envelope.data.orderId],
        );
      },
    });
  });

  after(async () => {
    await consumer?.close();
    await relay?.stop();
    await bus?.close();
    await kafka?.destroy();
    await producerOrm?.close(true);
    await consumerOrm?.close(true);
    await stack.cleanup();
    if (process.env.DEBUG_HANDLES === '1')
      setTimeout(
        () => console.error('still open:', process.getActiveResourcesInfo()),
        3000,
      ).unref();
  });

  const count = async (orm: MikroORM, sql: string): Promise<number> =>
    Number((await sqlRows<{ n: number | string }>(orm.em.fork(), sql))[0]?.n ?? 0);

  it('recovers producers and consumers by themselves; nothing unpublished, nothing lost', async (t) => {
    relay.start();
    await consumer.start();
    const outbox = new Outbox('orders');
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const orderId = `o-${written}`;
        await producerOrm.em.fork().transactional(async (em) => {
          await outbox.add(em, orderConfirmedV1, {
            topic,
            key: orderId,
            data: { orderId, userId: 'u' },
          });
        });
        written++;
        relay.notify();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await waitUntil(
        async () => (await count(consumerOrm, 'SELECT COUNT(*) AS n FROM received')) >= 50,
        {
          timeoutMs: 60_000,
          what: 'events flowing before the outage',
        },
      );
      const beforeStop = written;
      await kafka.stop();
      await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself, not a wait for a condition
      const duringOutage = written - beforeStop;
      await kafka.start();
      const afterStart = written;
      await waitUntil(() => written >= afterStart + 100, {
        timeoutMs: 60_000,
        what: 'writes after restart',
      });
      writing = false;
      await writer;

      await waitUntil(
        async () => (await count(producerOrm, 'SELECT COUNT(*) AS n FROM outbox_message')) === 0,
        { timeoutMs: 120_000, what: 'outbox drained' },
      );
      await waitUntil(
        async () => (await count(consumerOrm, 'SELECT COUNT(*) AS n FROM received')) === written,
        { timeoutMs: 120_000, intervalMs: 250, what: `all ${written} events consumed` },
      );
      assert.equal(
        await count(consumerOrm, 'SELECT COUNT(*) AS n FROM received WHERE times > 1'),
        0,
        'handled once (the inbox)',
      );
      // What the topic holds, as a consumer without an inbox would get it: every event. Not
      // necessarily once: a send the broker appended but could not acknowledge before it stopped
      // is sent again (publishing is at-least-once; repeats are what the inbox is for).
      const copies = new Map<string, number>();
      for (const r of await readTopic(bus, topic)) {
        const orderId = (JSON.parse(r.value!.toString()) as { data: { orderId: string } }).data
          .orderId;
        copies.set(orderId, (copies.get(orderId) ?? 0) + 1);
      }
      assert.equal(copies.size, written, 'every event published');
      const repeats = [...copies.values()].reduce((sum, n) => sum + n - 1, 0);
      assert.ok(duringOutage > 0, 'events were written while the broker was down');
      t.diagnostic(
        `${written} events (${duringOutage} during the outage), ${repeats} published twice; consumer rebuilt ${consumer.kafkaConsumer.restartCount} times`,
      );
    } finally {
      writing = false;
      await writer;
    }
  });
});
