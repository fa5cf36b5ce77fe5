import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEnvelope, orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  DLQ_HEADERS,
  DlqAdmin,
  IdempotentConsumer,
  runDlqCli,
  sqlRows,
  sqlRun,
} from '../src/index.js';
import { openConsumerWorld, readTopic, testLogger, type ConsumerTestWorld } from './support.js';

// Each test ends by itself well before the runner's 10-minute timeout, even if a consumer or the
// DLQ reader hangs: a broken inbox must show up as a failed wait, not as a hung run.
const TEST_TIMEOUT = { timeout: 120_000 };

describe('retries and dead letters', () => {
  const stack = new TestStack('dlq');
  let world: ConsumerTestWorld;
  let consumer: IdempotentConsumer<typeof orderFailedV1>;
  let poisonFixed = false;
  const attemptsByOrder = new Map<string, number>();

  before(async () => {
    world = await openConsumerWorld(stack, 'mailer', [
      'CREATE TABLE handled (order_id VARCHAR(64) PRIMARY KEY, seq INT NOT NULL AUTO_INCREMENT UNIQUE)',
    ]);
    consumer = new IdempotentConsumer({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('mailer'),
      groupId: world.groupId,
      topics: [world.topic],
      contracts: [orderFailedV1],
      retry: { maxAttempts: 4, initialDelayMs: 50, maxDelayMs: 400 },
      handle: async ({ envelope }, { em }) => {
        const id = envelope.data.orderId;
        attemptsByOrder.set(id, (attemptsByOrder.get(id) ?? 0) + 1);
        await sqlRun(em, 'INSERT INTO handled (order_id) VALUES (?)', [id]);
        if (id === 'poison' && !poisonFixed) throw new Error('template missing for poison');
      },
    });
    await consumer.start();
  });

  after(
    async () => {
      await consumer?.close();
      await world?.close();
    },
    { timeout: 60_000 },
  );

  const handled = async (id: string): Promise<boolean> =>
    (await sqlRows(world.orm.em.fork(), 'SELECT order_id FROM handled WHERE order_id = ?', [id]))
      .length > 0;

  const send = async (orderId: string): Promise<void> => {
    const env = createEnvelope(orderFailedV1, {
      key: orderId,
      source: 'orders',
      data: { orderId, userId: 'u', reason: 'declined' },
      correlationId: 'req-dlq-test-1',
    });
    await world.publisher.send([
      {
        topic: world.topic,
        key: orderId,
        value: JSON.stringify(env),
        headers: { 'x-request-id': 'req-dlq-test-1' },
      },
    ]);
  };

  const lines: string[] = [];
  const out = (l: string): void => {
    lines.push(l);
  };
  const cli = async (...argv: string[]): Promise<number> => {
    lines.length = 0;
    return runDlqCli(argv, { KAFKA_BROKERS: stack.env.KAFKA_BROKERS }, out);
  };

  it(
    'dead-letters a poison message after N tries while other keys flow, and replays it after the fix',
    TEST_TIMEOUT,
    async () => {
      await send('poison');
      const others = Array.from({ length: 12 }, (_, i) => `ok-${i}`);
      for (const id of others) await send(id);

      await waitUntil(async () => (await Promise.all(others.map(handled))).every(Boolean), {
        timeoutMs: 30_000,
        what: 'messages on other keys',
      });

      const env = { KAFKA_BROKERS: stack.env.KAFKA_BROKERS };
      await waitUntil(
        async () => {
          lines.length = 0;
          await runDlqCli(['list', world.groupId], env, out);
          return lines.some((l) => l.includes('key=poison'));
        },
        { timeoutMs: 30_000, what: 'poison in the DLQ' },
      );
      assert.equal(attemptsByOrder.get('poison'), 4, 'tried maxAttempts times');
      assert.equal(await handled('poison'), false, 'failed attempts rolled back');
      const row = lines.find((l) => l.includes('key=poison'))!;
      assert.match(row, /attempts=4/);
      assert.match(row, /template missing for poison/);
      assert.match(row, /pending/);
      const ref = row.split('\t')[0]!;

      lines.length = 0;
      assert.equal(await runDlqCli(['inspect', world.groupId, ref], env, out), 0);
      const inspected = JSON.parse(lines.join('\n')) as {
        headers: Record<string, string>;
        value: { data: { orderId: string } };
      };
      assert.equal(inspected.value.data.orderId, 'poison');
      assert.equal(inspected.headers[DLQ_HEADERS.attempts], '4');
      assert.equal(inspected.headers['x-request-id'], 'req-dlq-test-1', 'correlation survives');

      poisonFixed = true;
      assert.equal(await cli('replay', world.groupId), 0);
      assert.match(lines.join('\n'), /^1 entries replayed/m);
      await waitUntil(() => handled('poison'), {
        timeoutMs: 30_000,
        what: 'replayed poison handled',
      });

      await cli('list', world.groupId);
      assert.match(
        lines.find((l) => l.includes('key=poison'))!,
        /\treplayed /,
      );
      await cli('replay', world.groupId);
      assert.match(lines.join('\n'), /^0 entries replayed/m, 'a second replay finds nothing new');

      assert.equal(await cli('replay', world.groupId, ref), 1, 'naming a replayed entry');
      assert.match(lines.join('\n'), /already replayed: .*--again.*nothing replayed/);
      assert.equal(await cli('replay', world.groupId, ref, '--again'), 0);
      assert.match(lines.join('\n'), /^1 entries replayed/m);
    },
  );

  it(
    'replays keys and values byte-exact: a null key stays null and keeps its partition',
    TEST_TIMEOUT,
    async () => {
      const notUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]);
      const keyed = Buffer.from([0xc3, 0x28, 0x6b, 0xa0]);
      const marker = (n: number): Record<string, string> => ({ 'x-test-message': String(n) });
      // Neither is JSON: both are dead-lettered at once as undecodable.
      await world.publisher.send([
        { topic: world.topic, key: null, value: notUtf8, headers: marker(1) },
        { topic: world.topic, key: keyed, value: notUtf8, headers: marker(2) },
      ]);
      const dlq = new DlqAdmin(world.bus, world.groupId);
      const refs = await waitUntil(
        async () => {
          const entries = (await dlq.list()).filter(
            (e) => e.headers['x-test-message'] !== undefined && !e.replayed,
          );
          return entries.length === 2 ? entries.map((e) => e.ref) : undefined;
        },
        { timeoutMs: 30_000, what: 'both undecodable messages in the DLQ' },
      );
      await dlq.replay(refs);

      const records = await waitUntil(
        async () => {
          const all = await readTopic(world.bus, world.topic);
          const replays = all.filter(
            (r) =>
              r.headers[DLQ_HEADERS.replayedFrom] !== undefined &&
              r.headers['x-test-message'] !== undefined,
          );
          return replays.length === 2 ? all : undefined;
        },
        { timeoutMs: 30_000, what: 'the replays on the original topic' },
      );
      for (const n of ['1', '2']) {
        const [first, replay] = records.filter((r) => r.headers['x-test-message'] === n);
        assert.ok(first !== undefined && replay !== undefined, `message ${n} and its replay`);
        assert.deepEqual(replay.rawKey, first.rawKey, `message ${n}: same key bytes`);
        assert.ok(replay.value!.equals(notUtf8), `message ${n}: same value bytes`);
        assert.equal(replay.partition, first.partition, `message ${n}: same partition`);
      }
      assert.equal(records.find((r) => r.headers['x-test-message'] === '1')!.rawKey, null);
    },
  );
});
