import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/mysql';
import { createEnvelope, orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  DlqAdmin,
  IdempotentConsumer,
  sqlRows,
  sqlRun,
  type KafkaBus,
  type KafkaPublisher,
} from '../src/index.js';
import { PrivateMariaDb } from './private-mariadb.js';
import { newBus, openOrm, testLogger } from './support.js';

const OUTAGE_MS = 10_000;

// The consumer's database goes away (shut down, so connections are refused) for ~12 s while
// messages keep arriving, with the default retry policy: a failover-length outage must not send
// anything to the DLQ. The old budget (5 attempts, ~1.5 s) dead-lettered every message that
// arrived during it. A private MariaDB, so other tests keep their database.
describe('database outage', () => {
  const stack = new TestStack('dboutage');
  const topic = stack.ns.topic('orders.events');
  const groupId = stack.ns.group('outage');
  let db: PrivateMariaDb;
  let orm: MikroORM;
  let bus: KafkaBus;
  let publisher: KafkaPublisher;
  let consumer: IdempotentConsumer<typeof orderFailedV1>;

  before(async () => {
    db = await PrivateMariaDb.create();
    await db.start();
    orm = await openOrm(await db.createDatabase('outage'), [
      'CREATE TABLE handled (order_id VARCHAR(64) PRIMARY KEY, times INT NOT NULL)',
    ]);
    bus = newBus(stack.env.KAFKA_BROKERS, 'db-outage-test');
    await bus.ensureTopics([topic]);
    publisher = bus.createPublisher();
    consumer = new IdempotentConsumer({
      bus,
      orm,
      logger: testLogger('outage'),
      groupId,
      topics: [topic],
      contracts: [orderFailedV1],
      handle: async ({ envelope }, { em }) => {
        await sqlRun(
          em,
          'INSERT INTO handled (order_id, times) VALUES (?, 1) ON DUPLICATE KEY UPDATE times = times + 1',
          [envelope.data.orderId],
        );
      },
    });
  });

  after(
    async () => {
      await consumer?.close();
      await publisher?.close();
      await bus?.deleteTopics([topic, `${groupId}.dlq`]);
      await bus?.close();
      await orm?.close(true);
      await db?.destroy();
    },
    { timeout: 60_000 },
  );

  const count = async (sql: string): Promise<number> =>
    Number((await sqlRows<{ n: number | string }>(orm.em.fork(), sql))[0]?.n ?? 0);

  it(
    'rides out the outage: nothing dead-lettered, every message handled once',
    { timeout: 240_000 },
    async (t) => {
      await consumer.start();
      await consumer.kafkaConsumer.joined();
      let sent = 0;
      let sending = true;
      const sender = (async () => {
        while (sending) {
          const orderId = `o-${sent}`;
          const envelope = createEnvelope(orderFailedV1, {
            key: orderId,
            source: 'orders',
            data: { orderId, userId: 'u', reason: 'declined' },
          });
          await publisher.send([{ topic, key: orderId, value: JSON.stringify(envelope) }]);
          sent++;
          await sleep(50);
        }
      })();
      try {
        await waitUntil(async () => (await count('SELECT COUNT(*) AS n FROM handled')) >= 20, {
          timeoutMs: 30_000,
          what: 'messages flowing before the outage',
        });
        const before = sent;
        await db.stop();
        await sleep(OUTAGE_MS); // the outage itself, not a wait for a condition
        const during = sent - before;
        await db.start();
        const restarted = sent;
        await waitUntil(() => sent >= restarted + 20, { timeoutMs: 30_000, what: 'sends after' });
        sending = false;
        await sender;
        await waitUntil(async () => (await count('SELECT COUNT(*) AS n FROM handled')) === sent, {
          timeoutMs: 120_000,
          intervalMs: 250,
          what: `all ${sent} messages handled`,
        });
        assert.equal(await count('SELECT COUNT(*) AS n FROM handled WHERE times > 1'), 0);
        assert.deepEqual(await new DlqAdmin(bus, groupId).list(), [], 'nothing dead-lettered');
        assert.ok(during > 50, `${during} messages arrived during the outage`);
        t.diagnostic(`${sent} messages, ${during} sent while the database was down`);
      } finally {
        sending = false;
        await sender;
      }
    },
  );
});
