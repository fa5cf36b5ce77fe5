import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEnvelope, orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { DLQ_HEADERS, IdempotentConsumer, runDlqCli, sqlRows, sqlRun } from '../src/index.js';
import { openConsumerWorld, testLogger, type ConsumerTestWorld } from './support.js';

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

  after(async () => {
    await consumer?.close();
    await world?.close();
  });

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

  it('dead-letters a poison message after N tries while other keys flow, and replays it after the fix', async () => {
    await send('poison');
    const others = Array.from({ length: 12 }, (_, i) => `ok-${i}`);
    for (const id of others) await send(id);

    await waitUntil(async () => (await Promise.all(others.map(handled))).every(Boolean), {
      timeoutMs: 30_000,
      what: 'messages on other keys',
    });

    const lines: string[] = [];
    const out = (l: string): void => {
      lines.push(l);
    };
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
    lines.length = 0;
    assert.equal(await runDlqCli(['replay', world.groupId], env, out), 0);
    assert.ok(lines.includes('1 entries replayed'), lines.join('\n'));
    await waitUntil(() => handled('poison'), {
      timeoutMs: 30_000,
      what: 'replayed poison handled',
    });

    lines.length = 0;
    await runDlqCli(['list', world.groupId], env, out);
    assert.match(
      lines.find((l) => l.includes('key=poison'))!,
      /replayed/,
    );
    lines.length = 0;
    await runDlqCli(['replay', world.groupId], env, out);
    assert.ok(lines.includes('0 entries replayed'), 'a second replay finds nothing new');
  });
});
