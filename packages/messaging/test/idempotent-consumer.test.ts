import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEnvelope, orderPlacedV1, type OrderPlacedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { DlqAdmin, IdempotentConsumer, sqlRows, sqlRun } from '../src/index.js';
import { openConsumerWorld, testLogger, type ConsumerTestWorld } from './support.js';

const placed = (orderId: string): OrderPlacedV1 => ({
  orderId,
  userId: 'u-1',
  lines: [{ productId: 'p-1', quantity: 1, unitPriceCents: 250 }],
  totalCents: 250,
  currency: 'USD',
});

describe('idempotent consumer', () => {
  const stack = new TestStack('inbox');
  let world: ConsumerTestWorld;
  let consumer: IdempotentConsumer<typeof orderPlacedV1>;

  before(async () => {
    world = await openConsumerWorld(stack, 'stats', [
      'CREATE TABLE order_stats (user_id VARCHAR(64) PRIMARY KEY, orders INT NOT NULL, total_cents INT NOT NULL)',
      'CREATE TABLE flaky_changes (order_id VARCHAR(64) PRIMARY KEY, changes INT NOT NULL)',
    ]);
    consumer = new IdempotentConsumer({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('stats'),
      groupId: world.groupId,
      topics: [world.topic],
      contracts: [orderPlacedV1],
      handle: async ({ envelope }, { em }) => {
        await sqlRun(
          em,
          `INSERT INTO order_stats (user_id, orders, total_cents) VALUES (?, 1, ?)
           ON DUPLICATE KEY UPDATE orders = orders + 1, total_cents = total_cents + VALUES(total_cents)`,
          [envelope.data.userId, envelope.data.totalCents],
        );
      },
    });
    await consumer.start();
  });

  after(async () => {
    await consumer?.close();
    await world?.close();
  });

  const stats = async (): Promise<{ orders: number; total_cents: number } | undefined> =>
    (
      await sqlRows<{ orders: number; total_cents: number }>(
        world.orm.em.fork(),
        "SELECT orders, total_cents FROM order_stats WHERE user_id = 'u-1'",
      )
    )[0];

  it('changes state once when the same message is delivered three times', async () => {
    const envelope = createEnvelope(orderPlacedV1, {
      key: 'o-1',
      source: 'orders',
      data: placed('o-1'),
    });
    const message = { topic: world.topic, key: envelope.key, value: JSON.stringify(envelope) };
    await world.publisher.send([message]);
    await world.publisher.send([message]);
    await world.publisher.send([message]);
    const marker = createEnvelope(orderPlacedV1, {
      key: 'o-1',
      source: 'orders',
      data: placed('o-2'),
    });
    await world.publisher.send([
      { topic: world.topic, key: marker.key, value: JSON.stringify(marker) },
    ]);

    const result = await waitUntil(
      async () => ((await stats())?.orders === 2 ? stats() : undefined),
      {
        timeoutMs: 30_000,
        what: 'two distinct orders counted',
      },
    );
    assert.deepEqual(result, { orders: 2, total_cents: 500 });
    const inbox = await sqlRows(
      world.orm.em.fork(),
      'SELECT message_id FROM inbox_message WHERE consumer_group = ?',
      [world.groupId],
    );
    assert.equal(inbox.length, 2);
  });

  it('undoes a failed attempt with its inbox row: a handler that fails once after its write changes state once', async () => {
    let attempts = 0;
    let committed = false;
    const flaky = new IdempotentConsumer({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('flaky'),
      groupId: stack.ns.group('flaky'),
      topics: [world.topic],
      contracts: [orderPlacedV1],
      retry: { initialDelayMs: 50 },
      handle: async ({ envelope }, { em }) => {
        if (envelope.data.userId !== 'u-flaky') return;
        attempts++;
        await sqlRun(
          em,
          'INSERT INTO flaky_changes (order_id, changes) VALUES (?, 1) ON DUPLICATE KEY UPDATE changes = changes + 1',
          [envelope.data.orderId],
        );
        // The write is done; then something after it fails (a mail server, a bug), once.
        if (attempts === 1) throw new Error('failed after the write');
      },
      afterCommit: ({ envelope }) => {
        if (envelope.data.userId === 'u-flaky') committed = true;
      },
    });
    await flaky.start();
    try {
      const envelope = createEnvelope(orderPlacedV1, {
        key: 'o-flaky',
        source: 'orders',
        data: { ...placed('o-flaky'), userId: 'u-flaky' },
      });
      await world.publisher.send([
        { topic: world.topic, key: envelope.key, value: JSON.stringify(envelope) },
      ]);
      await waitUntil(() => attempts >= 2, { timeoutMs: 30_000, what: 'the second attempt' });
      await waitUntil(() => committed, { timeoutMs: 10_000, what: 'the second attempt committed' });
      const [row] = await sqlRows<{ changes: number }>(
        world.orm.em.fork(),
        "SELECT changes FROM flaky_changes WHERE order_id = 'o-flaky'",
      );
      assert.equal(row?.changes, 1, 'one change: the failed attempt left nothing behind');
    } finally {
      await flaky.close();
    }
  });

  it('dead-letters an unknown version with the reason instead of guessing', async () => {
    const envelope = createEnvelope(orderPlacedV1, {
      key: 'o-9',
      source: 'orders',
      data: placed('o-9'),
    });
    await world.publisher.send([
      { topic: world.topic, key: 'o-9', value: JSON.stringify({ ...envelope, version: 7 }) },
    ]);
    const dlq = new DlqAdmin(world.bus, world.groupId);
    const entries = await waitUntil(
      async () => {
        const list = await dlq.list();
        return list.length > 0 ? list : undefined;
      },
      { timeoutMs: 30_000, what: 'DLQ entry' },
    );
    assert.equal(entries.length, 1);
    assert.match(entries[0]!.error, /unknown contract orders\.order-placed@7/);
    assert.equal(entries[0]!.attempts, 1);
    assert.equal(entries[0]!.originalTopic, world.topic);
  });
});

describe('idempotent consumer with skipOtherTypes', () => {
  const stack = new TestStack('inboxskip');
  let world: ConsumerTestWorld;
  let consumer: IdempotentConsumer<typeof orderPlacedV1>;
  const handled: string[] = [];

  before(async () => {
    world = await openConsumerWorld(stack, 'skip', []);
    consumer = new IdempotentConsumer({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('skip'),
      groupId: world.groupId,
      topics: [world.topic],
      contracts: [orderPlacedV1],
      skipOtherTypes: true,
      handle: async ({ envelope }) => {
        handled.push(envelope.data.orderId);
      },
    });
    await consumer.start();
  });
  after(async () => {
    await consumer?.close();
    await world?.close();
  });

  it('skips other event types of a shared topic but still dead-letters an unknown version', async () => {
    const base = createEnvelope(orderPlacedV1, {
      key: 'o-1',
      source: 'orders',
      data: placed('o-1'),
    });
    const other = { ...base, id: crypto.randomUUID(), type: 'orders.order-shipped' };
    const unknownVersion = { ...base, id: crypto.randomUUID(), version: 7 };
    const marker = createEnvelope(orderPlacedV1, {
      key: 'o-1',
      source: 'orders',
      data: placed('o-2'),
    });
    await world.publisher.send(
      [other, unknownVersion, marker].map((e) => ({
        topic: world.topic,
        key: 'o-1',
        value: JSON.stringify(e),
      })),
    );
    await waitUntil(() => handled.includes('o-2'), { timeoutMs: 30_000, what: 'the marker' });
    const dlq = new DlqAdmin(world.bus, world.groupId);
    const entries = await waitUntil(
      async () => {
        const list = await dlq.list();
        return list.length > 0 ? list : undefined;
      },
      { timeoutMs: 30_000, what: 'DLQ entry' },
    );
    assert.equal(entries.length, 1);
    assert.match(entries[0]!.error, /order-placed@7/);
    assert.deepEqual(handled, ['o-2']);
  });
});
