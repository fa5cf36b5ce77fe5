import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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
  type KafkaBus,
} from '../src/index.js';
import {
  gate,
  killAll,
  newBus,
  openOrm,
  readTopic,
  reasonOf,
  spawnNode,
  testLogger,
  type RawRecord,
} from './support.js';

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

  const commitEvent = async (orderId: string, key = orderId): Promise<void> => {
    await producerOrm.em.fork().transactional(async (em) => {
      await sqlRun(em, 'INSERT INTO business_state (id, status) VALUES (?, ?)', [
        orderId,
        'CONFIRMED',
      ]);
      await outbox.add(em, orderConfirmedV1, {
        topic,
        key,
        data: { orderId, userId: 'u-1' },
      });
    });
  };
  const envelopeId = (r: RawRecord): string =>
    (JSON.parse(r.value!.toString()) as { id: string }).id;

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
      // The table alone cannot tell "never written" from "published and deleted": Kafka can.
      // The relay publishes in id order, so by now anything written before the marker is there.
      const records = await readTopic(bus, topic);
      assert.ok(records.some((r) => r.key === 'rb-marker'));
      assert.deepEqual(
        records.filter((r) => r.key === 'rb-1'),
        [],
        'nothing published for the rolled-back change',
      );
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
    // A later event on the same key (so the same partition) is published and consumed after it:
    // every copy of crash-1 the relays published is in the topic before the marker.
    await commitEvent('crash-1-marker', 'crash-1');
    await waitUntil(() => received('crash-1-marker'), { timeoutMs: 30_000, what: 'marker' });
    assert.equal(await received('crash-1'), 1, 'handled once');
    const copies = (await readTopic(bus, topic)).filter((r) => envelopeId(r) === env.MESSAGE_ID);
    assert.equal(copies.length, 1, 'published once: raw deliveries of its message id');
    await waitUntil(
      async () =>
        (await sqlRows(producerOrm.em.fork(), 'SELECT id FROM outbox_message')).length === 0,
      { what: 'outbox drained' },
    );
    await relay.kill('SIGTERM');
  });

  it('hands the outbox over between relays (lease expiry, then a graceful stop) without publishing a row twice, in order per key', async () => {
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
    let frozenId: string | undefined;
    const frozen = gate();
    const thaw = gate();
    const relays = [1, 2, 3].map(
      (i) =>
        new OutboxRelay({
          orm: producerOrm,
          publisher: bus.createPublisher(),
          logger: testLogger(`relay-${i}`),
          relayId: `relay-${i}`,
          batchSize: 7,
          leaseMs: 1000,
          afterClaim: async () => {
            if (frozenId === `relay-${i}`) {
              // Holds a batch it read, past its lease: the others must take over, and this one
              // must not publish that batch when it thaws.
              frozenId = undefined;
              frozen.open();
              await thaw.wait;
            } else await sleep(40); // paced, so the handovers fall mid-run
          },
        }),
    );
    const total = (): number => relays.reduce((sum, r) => sum + r.publishedCount, 0);
    const leader = (): OutboxRelay | undefined => relays.find((r) => r.isLeader);
    relays.forEach((r) => r.start());
    try {
      await waitUntil(() => total() >= 50 && leader(), {
        timeoutMs: 30_000,
        what: 'a first leader',
      });
      const first = leader()!;
      frozenId = first.relayId;
      await frozen.wait;
      const firstCount = first.publishedCount;
      const second = await waitUntil(
        () => relays.find((r) => r !== first && r.isLeader && r.publishedCount > 0),
        { timeoutMs: 30_000, what: 'a standby taking over after the lease expired' },
      );
      thaw.open();
      const secondStart = second.publishedCount;
      await waitUntil(() => second.publishedCount >= secondStart + 35, {
        timeoutMs: 30_000,
        what: 'the second leader publishing',
      });
      await second.stop(); // releases the claim: a graceful handover
      await waitUntil(
        async () =>
          (await sqlRows(producerOrm.em.fork(), 'SELECT id FROM outbox_message')).length === 0,
        { timeoutMs: 60_000, what: 'the outbox drained' },
      );
      await Promise.all(relays.map((r) => r.stop()));
      const third = relays.filter((r) => r !== first && r !== second);
      assert.ok(
        third.some((r) => r.publishedCount > 0) || first.publishedCount > firstCount,
        'a third claim published the rest',
      );
      assert.equal(total(), keys.length * perKey, 'each row published once, by the relays');
      const records = await readTopic(bus, orderTopic);
      assert.equal(records.length, keys.length * perKey, 'each row in Kafka once');
      for (const key of keys)
        assert.deepEqual(
          records.filter((r) => r.key === key).map(reasonOf),
          Array.from({ length: perKey }, (_, n) => String(n)),
          key,
        );
    } finally {
      thaw.open();
      await Promise.all(relays.map((r) => r.stop()));
      await bus.deleteTopics([orderTopic]);
    }
  });
});
