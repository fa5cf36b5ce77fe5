import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/mysql';
import { orderFailedV1 } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { Outbox, OutboxRelay, sqlRows, type KafkaBus, type KafkaPublisher } from '../src/index.js';
import { gate, newBus, openOrm, readTopic, reasonOf, testLogger } from './support.js';

// Key K's events o0…o14 wait in the outbox. Relay A reads o0…o4 and then stalls; B takes the
// claim once A's lease ran out and publishes o0…o14. Unfenced, A then sent o0…o4 again and K
// arrived as `B:o0…o14 A:o0…o4`: nothing lost (an inbox drops repeats) but out of order for every
// consumer without one. Both tests read the topic with a plain kafkajs consumer.
describe('outbox relay fencing', () => {
  const stack = new TestStack('fencing');
  const outbox = new Outbox('orders');
  const LEASE_MS = 1500;
  let orm: MikroORM;
  let bus: KafkaBus;
  const topics: string[] = [];

  before(async () => {
    orm = await openOrm((await stack.createDatabase('fence')).url);
    bus = newBus(stack.env.KAFKA_BROKERS, 'fencing-test');
  });

  after(async () => {
    await bus?.deleteTopics(topics);
    await bus?.close();
    await orm?.close(true);
    await stack.cleanup();
  });

  const newTopic = async (name: string): Promise<string> => {
    const topic = stack.ns.topic(name);
    topics.push(topic);
    await bus.ensureTopics([topic], 1);
    return topic;
  };

  const write = async (topic: string, reasons: readonly string[]): Promise<void> => {
    for (const reason of reasons)
      await orm.em.fork().transactional(async (em) => {
        await outbox.add(em, orderFailedV1, {
          topic,
          key: 'K',
          data: { orderId: 'K', userId: 'u', reason },
        });
      });
  };
  const range = (n: number): string[] => Array.from({ length: n }, (_, i) => `o${i}`);
  const outboxEmpty = async (): Promise<boolean> =>
    (await sqlRows(orm.em.fork(), 'SELECT id FROM outbox_message')).length === 0;
  const relay = (
    relayId: string,
    batchSize: number,
    extra: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {},
  ): OutboxRelay =>
    new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: testLogger(relayId),
      relayId,
      batchSize,
      leaseMs: LEASE_MS,
      ...extra,
    });

  it('publishes nothing from a send that outlasted the lease once another relay took over', async () => {
    const topic = await newTopic('fence-send');
    await write(topic, range(15));
    const inSend = gate();
    const release = gate();
    let aSend: 'sent' | 'refused' | undefined;
    const real = bus.createPublisher();
    // A send stuck before its bytes went out (kafkajs retrying, a 30 s request timeout), which
    // goes on once A's lease has long run out.
    const stalling = {
      send: async (...args: Parameters<KafkaPublisher['send']>) => {
        if (aSend !== undefined || inSend.open === undefined) return real.send(...args);
        inSend.open();
        await release.wait;
        try {
          await real.send(...args);
          aSend = 'sent';
        } catch (err) {
          aSend = 'refused';
          throw err;
        }
      },
    } as unknown as KafkaPublisher;
    const a = relay('A', 5, { publisher: stalling });
    const b = relay('B', 10);
    try {
      a.start();
      await inSend.wait;
      b.start();
      await waitUntil(() => b.publishedCount === 15, {
        timeoutMs: 30_000,
        what: 'B taking over and publishing o0…o14',
      });
      release.open();
      await waitUntil(() => aSend, { timeoutMs: 30_000, what: "A's stalled send to end" });
      await write(topic, ['o15']);
      await waitUntil(outboxEmpty, { timeoutMs: 30_000, what: 'o15 published' });
      const got = (await readTopic(bus, topic)).map(reasonOf);
      assert.deepEqual(got, range(16), 'K arrived once each, in order');
      assert.equal(aSend, 'refused');
    } finally {
      release.open();
      await Promise.all([a.stop(), b.stop()]);
      await real.close();
    }
  });

  it('sends nothing it read before losing the claim, even after it takes the claim again', async () => {
    const topic = await newTopic('fence-regain');
    await write(topic, range(15));
    const readRows = gate();
    const resume = gate();
    let paused = false;
    // A paused between reading o0…o4 and sending them (GC, a stopped process, a starved VM).
    const a = relay('A', 5, {
      afterClaim: async () => {
        if (paused) return;
        paused = true;
        readRows.open();
        await resume.wait;
      },
    });
    const b = relay('B', 10);
    try {
      a.start();
      await readRows.wait;
      b.start();
      await waitUntil(() => b.publishedCount === 15, {
        timeoutMs: 30_000,
        what: 'B taking over and publishing o0…o14',
      });
      await b.stop(); // releases the claim: A takes it again when it resumes
      await write(topic, ['o15']);
      resume.open();
      await waitUntil(async () => a.isLeader && (await outboxEmpty()), {
        timeoutMs: 30_000,
        what: 'A back as leader, o15 published',
      });
      const got = (await readTopic(bus, topic)).map(reasonOf);
      assert.deepEqual(got, range(16), 'K arrived once each, in order');
      assert.equal(a.publishedCount, 1, 'A published only o15');
    } finally {
      resume.open();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
