import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { TestStack, waitUntil } from '../src/index.js';

describe('Kafka through kafkajs', () => {
  const stack = new TestStack('smoke-kafka');
  const kafka = new Kafka({
    clientId: stack.ns.runId,
    brokers: stack.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: stack.ns.group('smoke'), maxWaitTimeInMs: 100 });
  const topic = stack.ns.topic('smoke');

  after(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic, produces and consumes in a consumer group', async () => {
    await admin.connect();
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }),
      true,
    );
    assert.ok((await admin.listTopics()).includes(topic));

    const received: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          partition,
        });
      },
    });

    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'order-1', value: 'placed' },
        { key: 'order-1', value: 'paid' },
        { key: 'order-2', value: 'placed' },
      ],
    });

    await waitUntil(() => received.length >= 3 || undefined, {
      what: 'three messages',
      timeoutMs: 30_000,
    });
    const order1 = received.filter((m) => m.key === 'order-1');
    assert.deepEqual(
      order1.map((m) => m.value),
      ['placed', 'paid'],
    );
    assert.equal(new Set(order1.map((m) => m.partition)).size, 1, 'one key stays on one partition');
    assert.ok(received.some((m) => m.key === 'order-2'));
  });
});
