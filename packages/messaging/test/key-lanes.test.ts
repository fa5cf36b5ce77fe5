import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEnvelope, orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { IdempotentConsumer, sqlRun, type OutgoingMessage } from '../src/index.js';
import { openConsumerWorld, testLogger, type ConsumerTestWorld } from './support.js';

// One partition, so every key shares it: with one handler per partition a retrying message
// would hold all of them back until it is dead-lettered.
describe('retries hold back only their own key', () => {
  const stack = new TestStack('lanes');
  const MAX_ATTEMPTS = 4;
  let world: ConsumerTestWorld;
  let consumer: IdempotentConsumer<typeof orderFailedV1> | undefined;
  /** In order: `<orderId>/<reason>#<attempt>` when an attempt starts, `<orderId>/<reason>` when it commits. */
  const events: string[] = [];

  before(async () => {
    world = await openConsumerWorld(
      stack,
      'lanes',
      [
        'CREATE TABLE handled (order_id VARCHAR(64) NOT NULL, reason VARCHAR(64) NOT NULL, PRIMARY KEY (order_id, reason))',
      ],
      1,
    );
  });

  after(async () => {
    await consumer?.close();
    await world?.close();
  });

  const message = (orderId: string, reason: string): OutgoingMessage => ({
    topic: world.topic,
    key: orderId,
    value: JSON.stringify(
      createEnvelope(orderFailedV1, {
        key: orderId,
        source: 'orders',
        data: { orderId, userId: 'u', reason },
      }),
    ),
  });

  it('handles the other keys of the partition while one key retries, and keeps that key in order', async () => {
    const others = Array.from({ length: 12 }, (_, i) => `ok-${i}`);
    // The poison first, then a second message on its key, then the other keys: one batch.
    await world.publisher.send([
      message('poison', 'first'),
      message('poison', 'second'),
      ...others.map((id) => message(id, 'only')),
    ]);
    consumer = new IdempotentConsumer({
      bus: world.bus,
      orm: world.orm,
      logger: testLogger('lanes'),
      groupId: world.groupId,
      topics: [world.topic],
      contracts: [orderFailedV1],
      retry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 300, maxDelayMs: 1000 },
      handle: async ({ envelope }, { em, attempt }) => {
        const { orderId, reason } = envelope.data;
        events.push(`${orderId}/${reason}#${attempt}`);
        await sqlRun(em, 'INSERT INTO handled (order_id, reason) VALUES (?, ?)', [orderId, reason]);
        if (orderId === 'poison' && reason === 'first') throw new Error('poison');
      },
      afterCommit: ({ envelope }) => {
        events.push(`${envelope.data.orderId}/${envelope.data.reason}`);
      },
    });
    await consumer.start();

    await waitUntil(() => events.includes('poison/second'), {
      timeoutMs: 60_000,
      what: 'the message after the poison on its key',
    });
    const lastPoisonAttempt = events.indexOf(`poison/first#${MAX_ATTEMPTS}`);
    assert.ok(lastPoisonAttempt >= 0, 'the poison was tried maxAttempts times');
    for (const id of others) {
      const committed = events.indexOf(`${id}/only`);
      assert.ok(
        committed >= 0 && committed < lastPoisonAttempt,
        `${id} was handled while the poison was still retrying: ${events.join(' ')}`,
      );
    }
    assert.ok(
      events.indexOf('poison/second#1') > lastPoisonAttempt,
      'the poison key stayed in order: its second message waited for the first to be dead-lettered',
    );
    assert.equal(events.filter((e) => e === 'poison/second').length, 1);
  });
});
