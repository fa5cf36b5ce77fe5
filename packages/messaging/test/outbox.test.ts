import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/mysql';
import { orderConfirmedV1, orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  IdempotentConsumer,
  Outbox,
  OutboxRelay,
  sqlRows,
  sqlRun,
  type IncomingMessage,
  type KafkaBus,
} from '../src/index.js';
import { killAll, newBus, openOrm, spawnNode, testLogger } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const STATE_DDL = [
  'CREATE TABLE business_state (id VARCHAR(64) PRIMARY KEY, status VARCHAR(32) NOT NULL)',
];
const CONSUMER_DDL = [
  'CREATE TABLE received (order_id VARCHAR(64) PRIMARY KEY, times INT NOT NULL)',
];

describe('transactional outbox and relay', () => {
  const stack = new TestStack('outbox');
  const topic = stack.ns.topic('orders.events');
  let producerOrm: MikroORM;
  let consumerOrm: MikroORM;
  let dbUrl: string;
  let bus: KafkaBus;
  let consumer: IdempotentConsumer<typeof orderConfirmedV1 | typeof orderFailedV1>;
  const outbox = new Outbox('orders');

  before(async () => {
    dbUrl = (await stack.createDatabase('orders')).url;
    producerOrm = await openOrm(dbUrl, STATE_DDL);
    consumerOrm = await openOrm((await stack.createDatabase('consumer')).url, CONSUMER_DDL);
    bus = newBus(stack.env.KAFKA_BROKERS, 'outbox-test');
    await bus.ensureTopics([topic]);
    consumer = new IdempotentConsumer({
      bus,
      orm: consumerOrm,
      logger: testLogger('consumer'),
      groupId: stack.ns.group('notifier'),
      topics: [topic],
      contracts: [orderConfirmedV1, orderFailedV1],
      handle: async ({ envelope }, { em }) => {
        await sqlRun(
          em,
          'INSERT INTO received (order_id, times) VALUES (?, 1) ON DUPLICATE KEY UPDATE times = times + 1',
          [envelope.data.orderId],
        );
      },
    });
    await consumer.start();
  });

  after(async () => {
    await killAll();
    await consumer?.close();
    await bus?.deleteTopics([topic]);
    await bus?.close();
    await producerOrm?.close(true);
    await consumerOrm?.close(true);
    await stack.cleanup();
  });

  const received = async (orderId: string): Promise<number | undefined> => {
    const rows = await sqlRows<{ times: number }>(
      consumerOrm.em.fork(),
      'SELECT times FROM received WHERE order_id = ?',
      [orderId],
    );
    return rows[0]?.times;
  };

  const commitEvent = async (orderId: string): Promise<void> => {
    await producerOrm.em.fork().transactional(async (em) => {
      await sqlRun(em, 'INSERT INTO business_state (id, status) VALUES (?, ?)', [
        orderId,
        'CONFIRMED',
      ]);
      await outbox.add(em, orderConfirmedV1, {
        topic,
        key: orderId,
        data: { orderId, userId: 'u-1' },
      });
    });
  };

  it('publishes nothing for a rolled-back transaction', async () => {
    await assert.rejects(
      producerOrm.em.fork().transactional(async (em) => {
        await sqlRun(em, 'INSERT INTO business_state (id, status) VALUES (?, ?)', ['rb-1', 'X']);
        await outbox.add(em, orderFailedV1, {
          topic,
          key: 'rb-1',
          data: { orderId: 'rb-1', userId: 'u-1', reason: 'test' },
        });
        throw new Error('business rule broken');
      }),
      /business rule broken/,
    );
    await commitEvent('rb-marker');
    const relay = new OutboxRelay({
      orm: producerOrm,
      publisher: bus.createPublisher(),
      logger: testLogger('relay'),
    });
    relay.start();
    try {
      await waitUntil(() => received('rb-marker'), { timeoutMs: 30_000, what: 'marker event' });
      assert.equal(await received('rb-1'), undefined);
      const rows = await sqlRows(
        producerOrm.em.fork(),
        "SELECT id FROM outbox_message WHERE partition_key = 'rb-1'",
      );
      assert.equal(rows.length, 0);
    } finally {
      await relay.stop();
    }
  });

  it('delivers an event committed by a process SIGKILLed before publishing, exactly once', async () => {
    const env = {
      DB_URL: dbUrl,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      TOPIC: topic,
      ORDER_ID: 'crash-1',
      MESSAGE_ID: crypto.randomUUID(),
      LEASE_MS: '1500',
    };
    const script = path.join(here, 'fixtures', 'outbox-writer.js');
    const writer = spawnNode(script, { ...env, MODE: 'write' });
    await writer.waitForLine('"committed"');
    await writer.waitForLine('"claimed"');
    await writer.kill('SIGKILL');

    const pending = await sqlRows(
      producerOrm.em.fork(),
      'SELECT id FROM outbox_message WHERE message_id = ?',
      [env.MESSAGE_ID],
    );
    assert.equal(pending.length, 1, 'the committed row is still in the outbox, unpublished');
    const [claim] = await sqlRows<{ owner: string | null }>(
      producerOrm.em.fork(),
      'SELECT owner FROM outbox_relay_lock',
    );
    assert.notEqual(claim?.owner ?? null, null, 'the dead relay held the outbox claim');
    assert.equal(await received('crash-1'), undefined);

    const relay = spawnNode(script, { ...env, MODE: 'relay' });
    await waitUntil(() => received('crash-1'), { timeoutMs: 30_000, what: 'event after restart' });
    // A later event on the same key is consumed after it, so no second copy is still in flight.
    await commitEvent('crash-1-marker');
    await waitUntil(() => received('crash-1-marker'), { timeoutMs: 30_000, what: 'marker' });
    assert.equal(await received('crash-1'), 1);
    await waitUntil(
      async () =>
        (await sqlRows(producerOrm.em.fork(), 'SELECT id FROM outbox_message')).length === 0,
      { what: 'outbox drained' },
    );
    await relay.kill('SIGTERM');
  });

  it('lets several relays share an outbox without publishing a row twice, in order per key', async () => {
    const orderTopic = stack.ns.topic('ordered');
    await bus.ensureTopics([orderTopic]);
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const perKey = 40;
    for (let n = 0; n < perKey; n++)
      await producerOrm.em.fork().transactional(async (em) => {
        for (const key of keys)
          await outbox.add(em, orderFailedV1, {
            topic: orderTopic,
            key,
            data: { orderId: key, userId: 'u', reason: String(n) },
          });
      });
    const seen: IncomingMessage[] = [];
    const reader = bus.createConsumer({
      groupId: stack.ns.group('ordered-reader'),
      topics: [orderTopic],
      handler: async (m) => {
        seen.push(m);
      },
    });
    await reader.start();
    const relays = [1, 2, 3].map(
      (i) =>
        new OutboxRelay({
          orm: producerOrm,
          publisher: bus.createPublisher(),
          logger: testLogger(`relay-${i}`),
          batchSize: 7,
        }),
    );
    relays.forEach((r) => r.start());
    try {
      await waitUntil(() => seen.length >= keys.length * perKey, {
        timeoutMs: 60_000,
        what: 'all ordered events',
      });
      await Promise.all(relays.map((r) => r.stop()));
      assert.equal(
        relays.reduce((sum, r) => sum + r.publishedCount, 0),
        keys.length * perKey,
        'each row published once',
      );
      for (const key of keys) {
        const reasons = seen
          .filter((m) => m.key === key)
          .map(
            (m) => (JSON.parse(m.value!.toString()) as { data: { reason: string } }).data.reason,
          );
        assert.deepEqual(
          reasons,
          Array.from({ length: perKey }, (_, n) => String(n)),
          key,
        );
      }
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await reader.close();
      await bus.deleteTopics([orderTopic]);
    }
  });
});
