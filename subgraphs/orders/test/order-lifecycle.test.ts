import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KafkaPublisher } from '@shop/messaging';
import {
  capturePaymentV1,
  completeCancellationV1,
  confirmOrderV1,
  createEnvelope,
  refundOrderPaymentV1,
  sagaParkedV1,
  shipmentChangedV1,
  type SagaCommandMeta,
  type ShipmentChangedV1,
} from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  ADDRESS,
  openOrdersWorld,
  PLACE_ORDER,
  probeTopic,
  TEST_CARDS,
  type OrdersWorld,
  type TopicProbe,
} from './orders-world.js';

interface Reply {
  step: number;
  outcome: 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
}

const ORDER = `query ($id: ID!) { order(id: $id) {
  id status failureReason payment { status capturedCents refundedCents }
  history { from to reason }
} }`;
const CANCEL = `mutation ($id: ID!) { cancelOrder(id: $id) { id status } }`;

describe('order lifecycle: cancellation, shipment, parked sagas and who may see what', () => {
  const stack = new TestStack('ordlife');
  let world: OrdersWorld;
  let publisher: KafkaPublisher;
  let replies: TopicProbe;
  let events: TopicProbe;
  const replyTopic = stack.ns.topic('sagas.replies');

  before(async () => {
    world = await openOrdersWorld(stack);
    await world.orders.orders.bus.ensureTopics([replyTopic]);
    publisher = world.publisher();
    replies = await probeTopic(world, stack, replyTopic);
    events = await probeTopic(world, stack, world.topics.events);
    await world.product('lamp', 2599, 1000);
  });
  after(async () => {
    await replies?.stop();
    await events?.stop();
    await world?.orders.orders.bus.deleteTopics([replyTopic]).catch(() => undefined);
    await world?.close();
  });

  const meta = (sagaId: string, step: number, attempt = 1): SagaCommandMeta => ({
    sagaId,
    sagaType: 'test',
    step,
    stepName: `step-${step}`,
    action: 'execute',
    attempt,
    replyTo: replyTopic,
  });
  const repliesOf = (sagaId: string): Reply[] =>
    replies.envelopes.filter((e) => e.key === sagaId).map((e) => e.data as unknown as Reply);
  const awaitReplies = (sagaId: string, n: number) =>
    waitUntil(() => repliesOf(sagaId).length >= n && repliesOf(sagaId), {
      what: `${n} replies of ${sagaId}`,
      timeoutMs: 20_000,
    });
  const status = async (orderId: string) =>
    (await world.rows<{ status: string }>('SELECT status FROM orders WHERE id = ?', [orderId]))[0]
      ?.status;
  const eventsOf = (orderId: string, type: string) =>
    events.envelopes.filter((e) => e.key === orderId && e.type === type);

  /** A customer's order, captured and confirmed as the place-order saga leaves it. */
  const confirmedOrder = async (): Promise<{ user: string; orderId: string }> => {
    const user = await world.customer();
    await world.addToCart(user, 'lamp', 1);
    const res = await world.as<{ placeOrder: { id: string } }>(user, PLACE_ORDER, {
      input: {
        shippingAddress: ADDRESS,
        paymentMethod: TEST_CARDS.success,
        idempotencyKey: crypto.randomUUID(),
      },
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const orderId = res.data!.placeOrder.id;
    const saga = `po:${orderId}`;
    await publisher.send([world.command(capturePaymentV1, meta(saga, 1), { orderId })]);
    await publisher.send([world.command(confirmOrderV1, meta(saga, 4), { orderId })]);
    await awaitReplies(saga, 2);
    assert.equal(await status(orderId), 'CONFIRMED');
    return { user, orderId };
  };

  const shipment = (orderId: string, user: string, sequence: number, change: string) => {
    const data: ShipmentChangedV1 = {
      shipmentId: `s-${orderId}`,
      orderId,
      customerId: user,
      sequence,
      change: change as ShipmentChangedV1['change'],
      status: change === 'picked-up' ? 'PICKED_UP' : 'DELIVERED',
      partnerId: 'p1',
      partnerUserId: 'pu1',
      previousPartnerId: null,
      previousPartnerUserId: null,
      position: null,
      reason: null,
      trackingCode: 'TRK',
      at: new Date().toISOString(),
    };
    const envelope = createEnvelope(shipmentChangedV1, { key: orderId, source: 'test', data });
    return { topic: world.topics.delivery, key: orderId, value: JSON.stringify(envelope) };
  };

  it('twenty concurrent cancels by the owner: one CANCELLING, one cancel-requested event; then CANCELLED with the refund', async () => {
    const { user, orderId } = await confirmedOrder();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        world.as<{ cancelOrder: { status: string } }>(user, CANCEL, { id: orderId }),
      ),
    );
    for (const a of answers) {
      assert.equal(a.errors, undefined, JSON.stringify(a.errors));
      assert.equal(a.data?.cancelOrder.status, 'CANCELLING');
    }
    await world.drained();
    assert.equal(eventsOf(orderId, 'orders.order-cancel-requested').length, 1);

    // The cancel saga refunds, then completes: CANCELLED and order-cancelled with the refund.
    const saga = `co:${orderId}`;
    await publisher.send([world.command(refundOrderPaymentV1, meta(saga, 1), { orderId })]);
    await awaitReplies(saga, 1);
    const done = world.command(completeCancellationV1, meta(saga, 3), { orderId });
    await publisher.send([done]);
    await publisher.send([world.command(completeCancellationV1, meta(saga, 3, 2), { orderId })]);
    const [, first, second] = await awaitReplies(saga, 3);
    assert.equal(first?.outcome, 'succeeded');
    assert.equal(second?.outcome, 'succeeded');
    const res = await world.as<{
      order: {
        status: string;
        payment: { status: string; capturedCents: number; refundedCents: number };
        history: { from: string | null; to: string }[];
      };
    }>(user, ORDER, { id: orderId });
    assert.equal(res.data?.order.status, 'CANCELLED');
    assert.deepEqual(res.data?.order.payment, {
      status: 'REFUNDED',
      capturedCents: 2599,
      refundedCents: 2599,
    });
    assert.deepEqual(
      res.data?.order.history.map((h) => h.to),
      ['PENDING', 'CONFIRMED', 'CANCELLING', 'CANCELLED'],
    );
    await world.drained();
    const cancelled = eventsOf(orderId, 'orders.order-cancelled');
    assert.deepEqual(cancelled.map((e) => e.version).sort(), [1, 2]);
    assert.equal(cancelled.find((e) => e.version === 2)?.data.refundedCents, 2599);

    // Asking again once cancelled answers the order and writes nothing.
    const again = await world.as<{ cancelOrder: { status: string } }>(user, CANCEL, {
      id: orderId,
    });
    assert.equal(again.data?.cancelOrder.status, 'CANCELLED');
    await world.drained();
    assert.equal(eventsOf(orderId, 'orders.order-cancel-requested').length, 1);
  });

  it('another customer can neither read nor cancel an order; a pending or shipped one cannot be cancelled', async () => {
    const { user, orderId } = await confirmedOrder();
    const mallory = await world.customer();
    const read = await world.as<{ order: unknown }>(mallory, ORDER, { id: orderId });
    assert.equal(read.data?.order, null);
    const cancel = await world.as(mallory, CANCEL, { id: orderId });
    assert.equal(cancel.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal(await status(orderId), 'CONFIRMED');
    const viaEntities = await world.as(
      mallory,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id totalCents } } }',
      { r: [{ __typename: 'Order', id: orderId }] },
    );
    assert.equal(viaEntities.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const viaUser = await world.as(
      mallory,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { id } } } }',
      { r: [{ __typename: 'User', id: user }] },
    );
    assert.equal(viaUser.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify([read, viaEntities, viaUser]), new RegExp(orderId));
    const mine = await world.as<{ myOrders: { nodes: unknown[] } }>(
      mallory,
      '{ myOrders { nodes { id } } }',
    );
    assert.deepEqual(mine.data?.myOrders.nodes, []);

    // Shipped: too late to cancel.
    await publisher.send([shipment(orderId, user, 1, 'picked-up')]);
    await waitUntil(async () => (await status(orderId)) === 'SHIPPED', { what: 'SHIPPED' });
    const late = await world.as(user, CANCEL, { id: orderId });
    assert.equal(late.errors?.[0]?.extensions?.code, 'CONFLICT');
    await publisher.send([shipment(orderId, user, 2, 'delivered')]);
    await waitUntil(async () => (await status(orderId)) === 'DELIVERED', { what: 'DELIVERED' });

    // Pending (the saga has not confirmed it yet): CONFLICT with a reason.
    await world.addToCart(user, 'lamp', 1);
    const pending = await world.as<{ placeOrder: { id: string } }>(user, PLACE_ORDER, {
      input: {
        shippingAddress: ADDRESS,
        paymentMethod: TEST_CARDS.success,
        idempotencyKey: crypto.randomUUID(),
      },
    });
    const early = await world.as(user, CANCEL, { id: pending.data!.placeOrder.id });
    assert.equal(early.errors?.[0]?.extensions?.code, 'CONFLICT');
    assert.match(early.errors?.[0]?.message ?? '', /still being placed/);
  });

  it('pages my orders newest first with a cursor', async () => {
    const user = await world.customer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await world.addToCart(user, 'lamp', 1);
      const res = await world.as<{ placeOrder: { id: string } }>(user, PLACE_ORDER, {
        input: {
          shippingAddress: ADDRESS,
          paymentMethod: TEST_CARDS.success,
          idempotencyKey: crypto.randomUUID(),
        },
      });
      ids.unshift(res.data!.placeOrder.id);
    }
    const PAGE = `query ($after: String) { myOrders(first: 2, after: $after) {
      nodes { id } pageInfo { endCursor hasNextPage } } }`;
    type Page = {
      myOrders: { nodes: { id: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
    };
    const one = await world.as<Page>(user, PAGE);
    assert.deepEqual(
      one.data?.myOrders.nodes.map((n) => n.id),
      ids.slice(0, 2),
    );
    assert.equal(one.data?.myOrders.pageInfo.hasNextPage, true);
    const two = await world.as<Page>(user, PAGE, { after: one.data?.myOrders.pageInfo.endCursor });
    assert.deepEqual(
      two.data?.myOrders.nodes.map((n) => n.id),
      ids.slice(2),
    );
    assert.equal(two.data?.myOrders.pageInfo.hasNextPage, false);
    const bad = await world.as(user, PAGE, { after: 'not-a-cursor' });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('a parked saga flags its order for the admins’ ordersByStatus', async () => {
    const { user, orderId } = await confirmedOrder();
    await world.as(user, CANCEL, { id: orderId });
    const parked = createEnvelope(sagaParkedV1, {
      key: `co:${orderId}`,
      source: 'test',
      data: {
        sagaId: `co:${orderId}`,
        sagaType: 'cancel-order',
        subject: orderId,
        stepName: 'refund-payment',
        reason: 'The payment provider is unavailable; nothing was charged.',
      },
    });
    await publisher.send([
      { topic: world.topics.sagas, key: `co:${orderId}`, value: JSON.stringify(parked) },
    ]);
    const admin = await world.customer();
    const ATTENTION = `{ ordersByStatus(needsAttention: true) { nodes { id status needsAttention } } }`;
    type Flagged = {
      ordersByStatus: { nodes: { id: string; status: string; needsAttention: string }[] };
    };
    const flagged = await waitUntil(
      async () => {
        const res = await world.as<Flagged>(admin, ATTENTION, {}, ['admin']);
        return res.data?.ordersByStatus.nodes.find((n) => n.id === orderId);
      },
      { what: 'the flagged order' },
    );
    assert.equal(flagged.status, 'CANCELLING');
    assert.match(
      flagged.needsAttention,
      /cancel-order saga .* parked at refund-payment: .*unavailable/,
    );
    const byStatus = await world.as<Flagged>(
      admin,
      '{ ordersByStatus(status: CANCELLING) { nodes { id } } }',
      {},
      ['admin'],
    );
    assert.ok(byStatus.data?.ordersByStatus.nodes.some((n) => n.id === orderId));
    const customer = await world.as(user, ATTENTION);
    assert.equal(customer.errors?.[0]?.extensions?.code, 'FORBIDDEN');

    // Someone fixed it and the saga went on: the order moves and the flag goes.
    const saga = `co:${orderId}`;
    await publisher.send([world.command(completeCancellationV1, meta(saga, 3), { orderId })]);
    await awaitReplies(saga, 1);
    const after = await world.rows<{ status: string; needs_attention: string | null }>(
      'SELECT status, needs_attention FROM orders WHERE id = ?',
      [orderId],
    );
    assert.deepEqual(after[0], { status: 'CANCELLED', needs_attention: null });
  });
});
