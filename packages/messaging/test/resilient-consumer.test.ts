import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TestStack, waitUntil } from '@shop/testing';
import kafkajs from 'kafkajs';
import type { KafkaPublisher } from '../src/index.js';
import { newBus } from './support.js';

describe('resilient consumer', () => {
  const stack = new TestStack('resilient');
  const topic = stack.ns.topic('crashy');
  const bus = newBus(stack.env.KAFKA_BROKERS, 'resilient-test');
  let publisher: KafkaPublisher | undefined;

  after(async () => {
    await publisher?.close();
    await bus.deleteTopics([topic]);
    await bus.close();
  });

  it('rebuilds a consumer that kafkajs leaves crashed and redelivers the uncommitted message', async () => {
    await bus.ensureTopics([topic], 1);
    const handled: string[] = [];
    let crashes = 0;
    const consumer = bus.createConsumer({
      groupId: stack.ns.group('crashy'),
      topics: [topic],
      handler: async (m) => {
        const value = m.value?.toString() ?? '';
        if (value === 'crash' && crashes === 0) {
          crashes++;
          // kafkajs does not restart after a non-retriable error: the consumer would stay down.
          throw new kafkajs.KafkaJSNonRetriableError('simulated fatal consumer error');
        }
        handled.push(value);
      },
    });
    await consumer.start();
    publisher = bus.createPublisher();
    // One key: its messages are handled in order, so the crash holds back the one after it.
    await publisher.send([
      { topic, key: 'k', value: 'before' },
      { topic, key: 'k', value: 'crash' },
      { topic, key: 'k', value: 'after' },
    ]);
    await waitUntil(() => handled.includes('after'), {
      timeoutMs: 30_000,
      what: 'messages after the crash',
    });
    assert.equal(crashes, 1);
    assert.ok(consumer.restartCount >= 1, 'the wrapper rebuilt the consumer');
    assert.deepEqual(
      handled.filter((v) => v !== 'before'),
      ['crash', 'after'],
      'the crashed message was redelivered, in order',
    );
    await consumer.close();
  });
});
