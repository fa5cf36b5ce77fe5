import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
import { newBus, openOrm, testLogger } from './support.js';

// One partition. Member A retries a message whose handler fails transiently (a database away),
// which may go on for a minute. Member B joins; the round-robin assignor gives the partition to
// the member id that sorts first, and ids start with the client id, so B gets it. A must notice
// at its next heartbeat and stop: before, A ignored the heartbeat's rebalance error and went on
// retrying (and would have dead-lettered) a message B now handles.
describe('a member that loses its partition while retrying', () => {
  const stack = new TestStack('partloss');
  const topic = stack.ns.topic('orders.events');
  const groupId = stack.ns.group('loss');
  let orm: MikroORM;
  let bus: KafkaBus;
  let publisher: KafkaPublisher;
  const consumers: IdempotentConsumer<typeof orderFailedV1>[] = [];
  const buses: KafkaBus[] = [];
  const attempts: { member: string; at: number }[] = [];
  let fixed = false;

  before(async () => {
    orm = await openOrm((await stack.createDatabase('loss')).url, [
      'CREATE TABLE handled (order_id VARCHAR(64) PRIMARY KEY, times INT NOT NULL)',
    ]);
    bus = newBus(stack.env.KAFKA_BROKERS, 'partition-loss-test');
    await bus.ensureTopics([topic], 1);
    publisher = bus.createPublisher();
  });

  after(
    async () => {
      await Promise.all(consumers.map((c) => c.close()));
      await Promise.all(buses.map((b) => b.close()));
      await publisher?.close();
      await bus?.deleteTopics([topic, `${groupId}.dlq`]);
      await bus?.close();
      await orm?.close(true);
      await stack.cleanup();
    },
    { timeout: 60_000 },
  );

  const member = async (clientId: string, name: string): Promise<void> => {
    const memberBus = newBus(stack.env.KAFKA_BROKERS, clientId);
    buses.push(memberBus);
    const consumer = new IdempotentConsumer({
      bus: memberBus,
      orm,
      logger: testLogger(name),
      groupId,
      topics: [topic],
      contracts: [orderFailedV1],
      handle: async ({ envelope }, { em }) => {
        attempts.push({ member: name, at: performance.now() });
        if (!fixed)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), {
            code: 'ECONNREFUSED',
          });
        await sqlRun(
          em,
          'INSERT INTO handled (order_id, times) VALUES (?, 1) ON DUPLICATE KEY UPDATE times = times + 1',
          [envelope.data.orderId],
        );
      },
    });
    consumers.push(consumer);
    await consumer.start();
    await consumer.kafkaConsumer.joined();
  };
  const by = (name: string): { member: string; at: number }[] =>
    attempts.filter((a) => a.member === name);

  it(
    'stops retrying once the partition moved; the new owner handles the message once',
    { timeout: 180_000 },
    async () => {
      await member('z-member', 'A');
      const envelope = createEnvelope(orderFailedV1, {
        key: 'm-1',
        source: 'orders',
        data: { orderId: 'm-1', userId: 'u', reason: 'declined' },
      });
      await publisher.send([{ topic, key: 'm-1', value: JSON.stringify(envelope) }]);
      await waitUntil(() => by('A').length >= 3, { timeoutMs: 30_000, what: 'A retrying' });

      await member('a-member', 'B');
      await waitUntil(() => by('B').length >= 8, {
        timeoutMs: 90_000,
        what: 'B, the new owner, retrying for a while',
      });
      const bFirst = by('B')[0]!.at;
      // An attempt A had under way when the group rebalanced may still end; none may start later.
      const late = by('A').filter((a) => a.at > bFirst + 1000);
      assert.equal(late.length, 0, `A went on retrying after B took the partition`);

      fixed = true;
      await waitUntil(
        async () =>
          (await sqlRows<{ times: number }>(orm.em.fork(), 'SELECT times FROM handled'))[0]?.times,
        { timeoutMs: 30_000, what: 'the message handled' },
      );
      const [row] = await sqlRows<{ times: number }>(orm.em.fork(), 'SELECT times FROM handled');
      assert.equal(row?.times, 1);
      assert.deepEqual(await new DlqAdmin(bus, groupId).list(), [], 'nothing dead-lettered');
    },
  );
});
