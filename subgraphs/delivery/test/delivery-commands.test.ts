import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KafkaPublisher } from '@shop/messaging';
import {
  assignShipmentV1,
  cancelDeliveryShipmentV1,
  createEnvelope,
  type DataOf,
  type SagaCommandContract,
  type SagaCommandMeta,
} from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  openDeliveryWorld,
  probeTopic,
  type DeliveryWorld,
  type TopicProbe,
} from './delivery-world.js';

interface Reply {
  sagaId: string;
  step: number;
  action: string;
  outcome: 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
}

describe('delivery saga participant: shipment commands over Kafka', () => {
  const stack = new TestStack('dlvcmd');
  let world: DeliveryWorld;
  let publisher: KafkaPublisher;
  let replies: TopicProbe;
  let events: TopicProbe;
  const replyTopic = stack.ns.topic('sagas.replies');
  let partnerId = '';

  before(async () => {
    world = await openDeliveryWorld(stack);
    await world.app.delivery.bus.ensureTopics([replyTopic]);
    publisher = world.app.delivery.bus.createPublisher();
    replies = await probeTopic(world, stack, replyTopic);
    events = await probeTopic(world, stack, world.eventsTopic);
    [partnerId = ''] = await world.partners([
      { userId: crypto.randomUUID(), name: 'Kafka Van', capacity: 3 },
    ]);
  });
  after(async () => {
    await replies?.stop();
    await events?.stop();
    await publisher?.close();
    await world?.app.delivery.bus.deleteTopics([replyTopic]).catch(() => undefined);
    await world?.close();
  });

  const meta = (sagaId: string, step: number, action: SagaCommandMeta['action']) => ({
    sagaId,
    sagaType: 'place-order',
    step,
    stepName: `step-${step}`,
    action,
    attempt: 1,
    replyTo: replyTopic,
  });
  const command = <C extends SagaCommandContract>(
    contract: C,
    saga: SagaCommandMeta,
    payload: unknown,
  ) => {
    const envelope = createEnvelope(contract, {
      key: saga.sagaId,
      source: 'test-orchestrator',
      data: { saga, payload } as DataOf<C>,
    });
    return { topic: world.commandTopic, key: saga.sagaId, value: JSON.stringify(envelope) };
  };
  const repliesOf = (sagaId: string): Reply[] =>
    replies.envelopes.filter((e) => e.key === sagaId).map((e) => e.data as unknown as Reply);
  const load = async () =>
    Number(
      (
        await world.rows<{ current_load: number }>(
          'SELECT current_load FROM delivery_partners WHERE id = ?',
          [partnerId],
        )
      )[0]?.current_load,
    );

  it('assign twice and cancel twice: one assignment, one cancellation, events in order', async () => {
    const order = {
      orderId: `order-${crypto.randomUUID()}`,
      customerId: crypto.randomUUID(),
      postalCode: '10001',
      units: 2,
    };
    const execute = meta('saga-a', 2, 'execute');
    // The same command twice, then a second saga for the same order: one assignment.
    await publisher.send([command(assignShipmentV1, execute, order)]);
    await publisher.send([command(assignShipmentV1, execute, order)]);
    await publisher.send([command(assignShipmentV1, meta('saga-b', 2, 'execute'), order)]);
    await waitUntil(() => repliesOf('saga-a').length === 2 && repliesOf('saga-b').length === 1, {
      what: 'three assign replies',
    });
    const answers = [...repliesOf('saga-a'), ...repliesOf('saga-b')];
    for (const r of answers) assert.equal(r.outcome, 'succeeded');
    assert.equal(new Set(answers.map((r) => JSON.stringify(r.result))).size, 1);
    assert.equal(answers[0]?.result?.partnerId, partnerId);
    assert.equal(await load(), 2);

    const compensate = meta('saga-a', 2, 'compensate');
    await publisher.send([
      command(cancelDeliveryShipmentV1, compensate, { orderId: order.orderId }),
    ]);
    await publisher.send([
      command(cancelDeliveryShipmentV1, compensate, { orderId: order.orderId }),
    ]);
    await waitUntil(() => repliesOf('saga-a').length === 4, { what: 'two cancel replies' });
    assert.deepEqual(
      repliesOf('saga-a')
        .slice(2)
        .map((r) => [r.action, r.outcome, r.result]),
      [
        ['compensate', 'succeeded', { cancelled: true }],
        ['compensate', 'succeeded', { cancelled: true }],
      ],
    );
    assert.equal(await load(), 0);

    const mine = await waitUntil(
      () => {
        const got = events.envelopes.filter((e) => e.key === order.orderId);
        return got.length >= 2 && got;
      },
      { what: 'the order’s events' },
    );
    await world.drained();
    const all = events.envelopes.filter((e) => e.key === order.orderId);
    assert.deepEqual(
      all.map((e) => [e.data.sequence, e.data.change, e.data.status]),
      [
        [1, 'assigned', 'ASSIGNED'],
        [2, 'cancelled', 'CANCELLED'],
      ],
    );
    assert.equal(mine[1]?.data.previousPartnerId, partnerId);

    // A late assign of a cancelled order is refused.
    await publisher.send([command(assignShipmentV1, meta('saga-c', 2, 'execute'), order)]);
    await waitUntil(() => repliesOf('saga-c').length === 1, { what: 'the late assign reply' });
    assert.equal(
      repliesOf('saga-c')[0]?.reason,
      `the shipment of order ${order.orderId} was cancelled`,
    );
  });

  it('a cancel overtaking its assign leaves a marker; no room is refused with the reason', async () => {
    // Over Kafka the participant answers a compensation of a step that never ran itself; the
    // service leaves a marker for a cancel that reaches it first (another saga of the order).
    const orderId = `order-${crypto.randomUUID()}`;
    assert.deepEqual(await world.app.delivery.assignments.cancel(orderId), {
      outcome: 'done',
      cancelled: false,
    });
    await publisher.send([
      command(assignShipmentV1, meta('saga-d', 2, 'execute'), {
        orderId,
        customerId: crypto.randomUUID(),
        postalCode: '10001',
        units: 1,
      }),
    ]);
    await waitUntil(() => repliesOf('saga-d').length === 1, { what: 'the assign reply' });
    assert.equal(repliesOf('saga-d')[0]?.reason, `the shipment of order ${orderId} was cancelled`);
    assert.equal(await load(), 0);

    await publisher.send([
      command(assignShipmentV1, meta('saga-e', 2, 'execute'), {
        orderId: `order-${crypto.randomUUID()}`,
        customerId: crypto.randomUUID(),
        postalCode: '10001',
        units: 4,
      }),
    ]);
    await waitUntil(() => repliesOf('saga-e').length === 1, { what: 'the refusal' });
    assert.deepEqual(
      [repliesOf('saga-e')[0]?.outcome, repliesOf('saga-e')[0]?.reason],
      ['failed', 'no delivery partner available for 10001: 1 without room for 4 items'],
    );
  });
});
