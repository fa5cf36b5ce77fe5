// A saga's trigger event (SagaDefinition.trigger) and the saga-parked event, against real Kafka and
// MariaDB: the orchestrator consumes the trigger topic in its own group and starts the saga in
// the inbox transaction; a parked saga publishes sagas.saga-parked@1 through its outbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows, type IncomingMessage, type KafkaPublisher } from '@shop/messaging';
import {
  createEnvelope,
  dlqTopic,
  orderCancelRequestedV1,
  orderPlacedV2,
  replenishmentRetryRequestedV1,
  reserveItemsV1,
  sagaParkedV1,
  type Envelope,
  type OrderPlacedV2,
} from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { z } from 'zod';
import {
  defineSaga,
  isTerminal,
  retriedBy,
  SagaOrchestrator,
  triggeredBy,
  type SagaState,
} from '../src/index.js';
import { demoOrderSaga, type DemoOrderData } from './demo/demo-order.saga.js';
import { openSagaWorld, testLogger, type SagaTestWorld } from './support.js';

const placed = (orderId: string): OrderPlacedV2 => ({
  orderId,
  orderNumber: `SO-${orderId.slice(0, 8)}`,
  customer: { userId: 'u-1', email: 'ann@shop.test', name: 'Ann' },
  currency: 'USD',
  lines: [{ productId: 'sku-1', title: 'Lamp', quantity: 2, unitPriceCents: 1000 }],
  subtotalCents: 2000,
  discountCents: 0,
  shippingCents: 0,
  totalCents: 2000,
  shippingAddress: {
    name: 'Ann',
    line1: '1 Main St',
    city: 'New York',
    postalCode: '10001',
    country: 'US',
  },
});

describe('saga triggers and the saga-parked event', () => {
  const stack = new TestStack('sagatrig');
  let world: SagaTestWorld;
  let orchestrator: SagaOrchestrator;
  let publisher: KafkaPublisher;
  let triggerTopic: string;
  let eventsTopic: string;
  let groupId: string;
  const parkedEvents: Envelope[] = [];
  let stopEvents: (() => Promise<void>) | undefined;

  before(async () => {
    world = await openSagaWorld(stack, 'saga-trigger-test');
    triggerTopic = stack.ns.topic('orders.events');
    eventsTopic = stack.ns.topic('sagas.events');
    groupId = `${world.groupPrefix}orchestrator`;
    const triggered = defineSaga<DemoOrderData>({
      ...demoOrderSaga({ timeoutMs: 5000 }),
      type: 'demo-triggered',
      trigger: triggeredBy(triggerTopic, orderPlacedV2, (event) =>
        event.data.orderId.startsWith('skip-')
          ? null
          : {
              id: `t:${event.data.orderId}`,
              data: {
                sku: event.data.lines[0]!.productId,
                quantity: event.data.lines[0]!.quantity,
                account: event.data.customer.userId,
                amountCents: event.data.totalCents,
                address: event.data.shippingAddress.line1,
              },
            },
      ),
    });
    // One pivot step to a participant nobody serves, one attempt: parked after its timeout.
    const parks = defineSaga({
      type: 'parks',
      data: z.object({ orderId: z.string() }),
      subject: (d) => d.orderId,
      // An admin's retry event resends the parked step once.
      retry: retriedBy(triggerTopic, replenishmentRetryRequestedV1, (event) => ({
        sagaId: `pk-${event.data.replenishmentId}`,
        requestedBy: event.data.requestedBy,
      })),
      steps: [
        {
          name: 'confirm',
          participant: 'nobody',
          execute: { contract: reserveItemsV1, payload: () => ({ sku: 's', quantity: 1 }) },
          timeoutMs: 300,
          retry: { maxAttempts: 1 },
        },
      ],
    });
    orchestrator = new SagaOrchestrator({
      bus: world.bus,
      orm: world.sagasOrm,
      logger: testLogger('orchestrator'),
      sagas: [triggered, parks],
      replyTopic: world.replyTopic,
      commandTopicPrefix: world.commandTopicPrefix,
      eventsTopic,
      groupId,
    });
    await world.bus.ensureTopics([...orchestrator.topics(), dlqTopic(`${groupId}.triggers`)]);
    await orchestrator.start();
    await orchestrator.joined();
    publisher = world.bus.createPublisher();
    const consumer = world.bus.createConsumer({
      groupId: `${world.groupPrefix}events-reader`,
      topics: [eventsTopic],
      handler: (m: IncomingMessage) => {
        parkedEvents.push(JSON.parse(String(m.value)) as Envelope);
        return Promise.resolve();
      },
    });
    await consumer.start();
    stopEvents = () => consumer.close();
  });

  after(async () => {
    await stopEvents?.();
    await publisher?.close();
    await orchestrator?.close();
    await world?.close();
  });

  const publish = (envelope: Envelope | Record<string, unknown>, key: string) =>
    publisher.send([{ topic: triggerTopic, key, value: JSON.stringify(envelope) }]);

  const finished = (id: string): Promise<SagaState> =>
    waitUntil(
      async () => {
        const s = await orchestrator.get(id);
        return s !== undefined && isTerminal(s.status) ? s : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} to finish` },
    );

  it('a redelivered and a republished trigger event start one saga; other types are skipped', async () => {
    const orderId = crypto.randomUUID();
    const event = createEnvelope(orderPlacedV2, {
      key: orderId,
      source: 'orders',
      data: placed(orderId),
    });
    // Redelivered: the same envelope twice. Republished: a new envelope for the same order.
    await publish(event, orderId);
    await publish(event, orderId);
    await publish(
      createEnvelope(orderPlacedV2, { key: orderId, source: 'orders', data: placed(orderId) }),
      orderId,
    );
    // On the same key (so the same partition, behind them): an event type the orchestrator has
    // no contract for, a contract it knows that triggers nothing, and a trigger that returns null.
    await publish(
      {
        ...createEnvelope(orderCancelRequestedV1, {
          key: orderId,
          source: 'orders',
          data: { orderId, userId: 'u-1' },
        }),
        type: 'orders.order-shipped',
      },
      orderId,
    );
    await publish(
      createEnvelope(orderCancelRequestedV1, {
        key: orderId,
        source: 'orders',
        data: { orderId, userId: 'u-1' },
      }),
      orderId,
    );
    await publish(
      createEnvelope(orderPlacedV2, {
        key: orderId,
        source: 'orders',
        data: placed(`skip-${orderId.slice(0, 30)}`),
      }),
      orderId,
    );
    // And a last trigger behind them: its saga starting proves the consumer went past them.
    const next = crypto.randomUUID();
    await publish(
      createEnvelope(orderPlacedV2, { key: orderId, source: 'orders', data: placed(next) }),
      orderId,
    );

    const s = await finished(`t:${orderId}`);
    assert.equal(s.status, 'COMPLETED');
    assert.equal(s.data.amountCents, 2000);
    assert.equal((await finished(`t:${next}`)).status, 'COMPLETED');

    const [started] = await sqlRows<{ n: number | string }>(
      world.sagasOrm.em.fork(),
      "SELECT COUNT(*) AS n FROM saga_instance WHERE id LIKE ? OR id LIKE 't:skip-%'",
      [`t:${orderId}%`],
    );
    assert.equal(Number(started!.n), 1, 'one saga for the order, none for the null trigger');
    assert.equal(s.history.filter((h) => h.event === 'started').length, 1);
    const effects = await sqlRows<{ step: number; action: string }>(
      world.participantsOrm.em.fork(),
      'SELECT step, action FROM demo_effect WHERE saga_id = ? ORDER BY id',
      [s.id],
    );
    assert.deepEqual(
      effects.map((e) => `${e.action}:${e.step}`),
      ['execute:0', 'execute:1', 'execute:2'],
      'each step took effect once',
    );
    const dlq = await world.bus.topicOffsets(dlqTopic(`${groupId}.triggers`));
    assert.equal(
      dlq.reduce((n, p) => n + p.high, 0),
      0,
      'nothing dead-lettered: the other types were skipped',
    );
  });

  it('a parked saga publishes sagas.saga-parked@1 once, naming its subject', async () => {
    const orderId = crypto.randomUUID();
    const id = await orchestrator.startSaga('parks', { orderId });
    const s = await finished(id);
    assert.equal(s.status, 'NEEDS_ATTENTION');
    const event = await waitUntil(() => parkedEvents.find((e) => e.key === id), {
      timeoutMs: 20_000,
      what: 'the saga-parked event',
    });
    const data = sagaParkedV1.schema.parse(event.data);
    assert.equal(event.type, 'sagas.saga-parked');
    assert.deepEqual(
      { ...data, reason: undefined },
      { sagaId: id, sagaType: 'parks', subject: orderId, stepName: 'confirm', reason: undefined },
    );
    assert.match(data.reason, /confirm: no reply after 1 attempts/);
    // A deadline check after parking changes nothing and publishes nothing more.
    await orchestrator.startSaga('parks', { orderId: 'other' }).then(finished);
    assert.equal(parkedEvents.filter((e) => e.key === id).length, 1);
  });

  it('a retry event resends a parked saga’s step once; unanswered again, it parks again', async () => {
    const rid = crypto.randomUUID();
    const id = await orchestrator.startSaga('parks', { orderId: rid }, { id: `pk-${rid}` });
    assert.equal((await finished(id)).status, 'NEEDS_ATTENTION');
    const retry = createEnvelope(replenishmentRetryRequestedV1, {
      key: 'p-1',
      source: 'catalog',
      data: { replenishmentId: rid, productId: 'p-1', requestedBy: 'admin-1' },
    });
    // Redelivered: the inbox lets it act once.
    await publish(retry, 'p-1');
    await publish(retry, 'p-1');
    const parkedTwice = await waitUntil(
      () => (parkedEvents.filter((e) => e.key === id).length >= 2 ? true : undefined),
      { timeoutMs: 20_000, what: 'the second saga-parked event' },
    );
    assert.ok(parkedTwice);
    const s = (await orchestrator.get(id))!;
    assert.equal(s.status, 'NEEDS_ATTENTION');
    const sends = s.history.filter((h) => h.event === 'sent').map((h) => h.attempt);
    assert.deepEqual(sends, [1, 2], 'the retry sent attempt 2, once');
    assert.match(s.history.find((h) => h.event === 'resumed')?.detail ?? '', /retried by admin-1/);
    assert.match(s.failureReason ?? '', /no reply after 2 attempts/);
  });
});
