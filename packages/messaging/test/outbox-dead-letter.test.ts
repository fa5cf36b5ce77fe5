import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/mysql';
import { orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  ensureMessagingTables,
  Outbox,
  OutboxMessageTooLargeError,
  OutboxRelay,
  runDlqCli,
  sqlRows,
  sqlRun,
  type KafkaBus,
  type KafkaPublisher,
} from '../src/index.js';
import { newBus, openOrm, readTopic, reasonOf, testLogger } from './support.js';

// The topic takes record batches of at most 8 KiB (`max.message.bytes`), less than the outbox
// allows: Kafka refuses the one large row with MESSAGE_TOO_LARGE, and kafkajs neither splits the
// batch nor retries it. Unhandled, the relay re-sent the same batch from its lowest id forever.
describe('outbox rows Kafka refuses', () => {
  const stack = new TestStack('outboxdead');
  const outbox = new Outbox('orders');
  let orm: MikroORM;
  let bus: KafkaBus;
  let database: string;
  const topic = stack.ns.topic('small.events');

  before(async () => {
    const db = await stack.createDatabase('dead');
    database = db.name;
    orm = await openOrm(db.url, [
      'CREATE TABLE business_state (id VARCHAR(64) PRIMARY KEY, status VARCHAR(32) NOT NULL)',
    ]);
    bus = newBus(stack.env.KAFKA_BROKERS, 'outbox-dead-test');
    const admin = bus.rawKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '8192' }],
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    await bus.ensureTopics([topic], 1);
  });

  after(async () => {
    await bus?.deleteTopics([topic]);
    await bus?.close();
    await orm?.close(true);
    await stack.cleanup();
  });

  const add = (key: string, reason: string): Promise<void> =>
    orm.em.fork().transactional(async (em) => {
      await outbox.add(em, orderFailedV1, {
        topic,
        key,
        data: { orderId: key, userId: 'u', reason },
      });
    });

  it('moves the one refused row aside with its reason and publishes the 10 others', async () => {
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 11; i++) await add(i % 2 === 0 ? 'K' : 'L', i === 4 ? big : `r${i}`);
    const relay = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: testLogger('relay'),
    });
    relay.start();
    try {
      await waitUntil(
        async () => (await sqlRows(orm.em.fork(), 'SELECT id FROM outbox_message')).length === 0,
        { timeoutMs: 30_000, what: 'the outbox to drain' },
      );
    } finally {
      await relay.stop();
    }
    const published = (await readTopic(bus, topic)).map(reasonOf);
    assert.deepEqual(
      published,
      ['r0', 'r1', 'r2', 'r3', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10'],
      'the 10 others, once each, in order',
    );
    assert.equal(relay.publishedCount, 10);
    assert.equal(relay.deadLetteredCount, 1);

    const [dead] = await sqlRows<{ partition_key: string; reason: string; payload: Buffer }>(
      orm.em.fork(),
      'SELECT partition_key, reason, payload FROM outbox_dead_letter',
    );
    assert.equal(dead?.partition_key, 'K');
    assert.match(dead.reason, /MESSAGE_TOO_LARGE/);
    assert.ok(dead.payload.toString().includes(big), 'the event is kept whole');

    const lines: string[] = [];
    assert.equal(
      await runDlqCli(['outbox', database], { MYSQL_URL: stack.env.MYSQL_URL }, (l) => {
        lines.push(l);
      }),
      0,
    );
    assert.match(lines[0]!, /^outbox:\d+\t.*\tkey=K\t.*refusals=1\tMESSAGE_TOO_LARGE/);
    assert.match(lines[1]!, /^1 outbox rows refused by Kafka/);
  });

  it('moves aside a row refused maxRefusals times in a row (a non-retriable refusal that is not about size)', async () => {
    const refusedTopic = stack.ns.topic('refused.events');
    for (let i = 0; i < 5; i++)
      await orm.em.fork().transactional(async (em) => {
        await outbox.add(em, orderFailedV1, {
          topic: i === 2 ? refusedTopic : topic,
          key: 'N',
          data: { orderId: 'N', userId: 'u', reason: `n${i}` },
        });
      });
    const real = bus.createPublisher();
    let refusals = 0;
    // The broker answering e.g. TOPIC_AUTHORIZATION_FAILED for one topic, every time.
    const publisher = {
      send: async (...args: Parameters<KafkaPublisher['send']>) => {
        if (args[0].some((m) => m.topic === refusedTopic)) {
          refusals++;
          throw Object.assign(new Error('Not authorized to access topics'), {
            name: 'KafkaJSNonRetriableError',
            retriable: false,
            cause: { type: 'TOPIC_AUTHORIZATION_FAILED' },
          });
        }
        return real.send(...args);
      },
    } as unknown as KafkaPublisher;
    const relay = new OutboxRelay({
      orm,
      publisher,
      logger: testLogger('relay'),
      maxRefusals: 3,
    });
    relay.start();
    try {
      await waitUntil(() => relay.deadLetteredCount === 1 && relay.publishedCount === 4, {
        timeoutMs: 30_000,
        what: 'the refused row aside, the 4 others published',
      });
    } finally {
      await relay.stop();
      await real.close();
    }
    const [dead] = await sqlRows<{ topic: string; reason: string; refusals: number }>(
      orm.em.fork(),
      'SELECT topic, reason, refusals FROM outbox_dead_letter WHERE topic = ?',
      [refusedTopic],
    );
    assert.equal(dead?.refusals, 3);
    assert.match(dead.reason, /TOPIC_AUTHORIZATION_FAILED/);
    const got = (await readTopic(bus, topic)).map(reasonOf).filter((r) => r.startsWith('n'));
    assert.deepEqual(got, ['n0', 'n1', 'n3', 'n4']);
    assert.ok(refusals >= 3);
  });

  it('refuses an event over the size limit at outbox.add, and the transaction rolls back', async () => {
    const small = new Outbox('orders', { maxMessageBytes: 2000 });
    await assert.rejects(
      orm.em.fork().transactional(async (em) => {
        await sqlRun(em, 'INSERT INTO business_state (id, status) VALUES (?, ?)', ['big-1', 'X']);
        await small.add(em, orderFailedV1, {
          topic,
          key: 'big-1',
          data: { orderId: 'big-1', userId: 'u', reason: 'y'.repeat(3000) },
        });
      }),
      (err: unknown) => {
        assert.ok(err instanceof OutboxMessageTooLargeError);
        assert.match(err.message, /over the outbox limit of 2000 bytes/);
        return true;
      },
    );
    const state = await sqlRows(orm.em.fork(), "SELECT id FROM business_state WHERE id = 'big-1'");
    assert.equal(state.length, 0);
  });

  it('bounds a batch by bytes: rows that fit together go in batches under maxBatchBytes', async () => {
    // 12 rows of ~2.5 KB: by count they are one batch, too large for the topic; by bytes (6 KB
    // per batch) every batch fits and nothing is refused.
    for (let i = 0; i < 12; i++) await add('M', `b${i}-${'z'.repeat(2500)}`);
    const relay = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: testLogger('relay'),
      maxBatchBytes: 6000,
    });
    relay.start();
    try {
      await waitUntil(() => relay.publishedCount === 12, { timeoutMs: 30_000, what: '12 rows' });
    } finally {
      await relay.stop();
    }
    assert.equal(relay.deadLetteredCount, 0);
    const got = (await readTopic(bus, topic)).map(reasonOf).filter((r) => r.startsWith('b'));
    assert.deepEqual(
      got.map((r) => r.split('-')[0]),
      Array.from({ length: 12 }, (_, i) => `b${i}`),
    );
  });

  it('keeps a refused row whose id an older dead letter holds (ids reused, e.g. after a TRUNCATE)', async () => {
    await add('R', 'y'.repeat(20_000));
    const [row] = await sqlRows<{ id: number | string; message_id: string }>(
      orm.em.fork(),
      "SELECT id, message_id FROM outbox_message WHERE partition_key = 'R'",
    );
    assert.ok(row !== undefined);
    // A dead letter from before the outbox's ids started again, under the same id.
    await sqlRun(
      orm.em.fork(),
      `INSERT INTO outbox_dead_letter
         (id, message_id, topic, partition_key, payload, headers, created_at, reason, refusals)
       VALUES (?, 'older-event', ?, 'old', 'x', '{}', CURRENT_TIMESTAMP(3), 'older', 1)`,
      [row.id, topic],
    );
    const relay = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: testLogger('relay'),
    });
    relay.start();
    try {
      await waitUntil(() => relay.deadLetteredCount === 1, {
        timeoutMs: 30_000,
        what: 'the refused row moved aside',
      });
    } finally {
      await relay.stop();
    }
    const kept = await sqlRows<{ message_id: string }>(
      orm.em.fork(),
      'SELECT message_id FROM outbox_dead_letter WHERE id = ? ORDER BY message_id',
      [row.id],
    );
    assert.deepEqual(
      kept.map((k) => k.message_id).sort(),
      [row.message_id, 'older-event'].sort(),
      'the event is in the dead letters beside the older one, not lost',
    );
  });

  it('re-keys a dead-letter table made keyed by the outbox id alone', async () => {
    const db = await stack.createDatabase('deadold');
    const old = await openOrm(db.url, []);
    try {
      const em = old.em.fork();
      await sqlRun(em, 'DROP TABLE outbox_dead_letter');
      await sqlRun(
        em,
        `CREATE TABLE outbox_dead_letter (id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
           message_id VARCHAR(64) NOT NULL, topic VARCHAR(249) NOT NULL,
           partition_key VARCHAR(255) NOT NULL, payload MEDIUMBLOB NOT NULL, headers TEXT NOT NULL,
           created_at DATETIME(3) NOT NULL, reason TEXT NOT NULL, refusals INT NOT NULL,
           dead_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
      );
      const key = async (): Promise<string[]> =>
        (
          await sqlRows<{ c: string }>(
            old.em.fork(),
            `SELECT column_name AS c FROM information_schema.key_column_usage
             WHERE table_schema = DATABASE() AND table_name = 'outbox_dead_letter'
               AND constraint_name = 'PRIMARY' ORDER BY ordinal_position`,
          )
        ).map((r) => r.c);
      assert.deepEqual(await key(), ['id']);
      await ensureMessagingTables(old.em.fork());
      await ensureMessagingTables(old.em.fork()); // and again: nothing left to change
      assert.deepEqual(await key(), ['id', 'message_id']);
    } finally {
      await old.close(true);
    }
  });
});
