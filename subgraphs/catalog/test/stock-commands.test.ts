import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  commitStockV1,
  releaseStockV1,
  reserveStockV1,
  restockOrderV1,
  type SagaCommandContract,
  type SagaCommandMeta,
} from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import {
  openSagaDriver,
  openStockWorld,
  type SagaDriver,
  type SagaReply as Reply,
  type StockWorld,
} from './stock-world.js';

describe('catalog saga participant: stock commands over Kafka', () => {
  const stack = new TestStack('stockcmd');
  let world: StockWorld;
  let driver: SagaDriver;

  before(async () => {
    world = await openStockWorld(stack);
    driver = await openSagaDriver(world, stack);
  });
  after(async () => {
    await driver?.close();
    await world?.close();
  });

  const meta = (sagaId: string, step: number, action: SagaCommandMeta['action']) => ({
    sagaId,
    sagaType: 'place-order',
    step,
    stepName: `step-${step}`,
    action,
    attempt: 1,
  });
  const command = <C extends SagaCommandContract>(
    contract: C,
    saga: Omit<SagaCommandMeta, 'replyTo'>,
    payload: unknown,
  ) => driver.command(contract, saga, payload);
  const repliesOf = (sagaId: string): Reply[] => driver.repliesOf(sagaId);

  it('200 concurrent reserve commands of 1 unit against stock 50: exactly 50 succeed', async () => {
    await world.setStock('kafka-hot', 50);
    const sagas = Array.from({ length: 200 }, (_, i) => `saga-hot-${i}`);
    await driver.publisher.send(
      sagas.map((sagaId) =>
        command(reserveStockV1, meta(sagaId, 0, 'execute'), {
          orderId: `order-${sagaId}`,
          lines: [{ productId: 'kafka-hot', quantity: 1 }],
        }),
      ),
    );
    const all = await waitUntil(
      () => {
        const got = sagas.flatMap(repliesOf);
        return got.length >= 200 && got;
      },
      { timeoutMs: 60_000, what: '200 replies' },
    );
    assert.equal(all.length, 200);
    const succeeded = all.filter((r) => r.outcome === 'succeeded');
    assert.equal(succeeded.length, 50);
    for (const r of succeeded) assert.deepEqual(r.result, { reservedUnits: 1 });
    for (const r of all.filter((x) => x.outcome === 'failed'))
      assert.equal(r.reason, 'out of stock: kafka-hot wants 1, 0 available');
    assert.deepEqual(await world.level('kafka-hot'), {
      productId: 'kafka-hot',
      onHand: 50,
      reserved: 50,
      lowStockThreshold: 0,
    });
  });

  it('a resent command is answered again without effect; release and commit settle once', async () => {
    await world.setStock('kafka-flow', 10);
    const reserve = command(reserveStockV1, meta('saga-flow', 0, 'execute'), {
      orderId: 'order-flow',
      lines: [
        { productId: 'kafka-flow', quantity: 3 },
        { productId: 'kafka-hot', quantity: 1 },
      ],
    });
    await driver.publisher.send([reserve]);
    await waitUntil(() => repliesOf('saga-flow').length === 1, { what: 'the reserve reply' });
    // kafka-hot has nothing left: the whole reserve is refused, naming the short product.
    assert.deepEqual(repliesOf('saga-flow')[0], {
      sagaId: 'saga-flow',
      sagaType: 'place-order',
      step: 0,
      action: 'execute',
      attempt: 1,
      outcome: 'failed',
      reason: 'out of stock: kafka-hot wants 1, 0 available',
    });
    assert.equal((await world.level('kafka-flow'))?.reserved, 0);

    const order = { orderId: 'order-flow-2', lines: [{ productId: 'kafka-flow', quantity: 3 }] };
    const execute = meta('saga-flow-2', 0, 'execute');
    // The same command twice (a resend is a new message with the same saga step and action).
    await driver.publisher.send([command(reserveStockV1, execute, order)]);
    await driver.publisher.send([command(reserveStockV1, execute, order)]);
    await waitUntil(() => repliesOf('saga-flow-2').length === 2, { what: 'two reserve replies' });
    assert.deepEqual(
      repliesOf('saga-flow-2').map((r) => [r.outcome, r.result]),
      [
        ['succeeded', { reservedUnits: 3 }],
        ['succeeded', { reservedUnits: 3 }],
      ],
    );
    assert.equal((await world.level('kafka-flow'))?.reserved, 3);

    const compensate = meta('saga-flow-2', 0, 'compensate');
    await driver.publisher.send([command(releaseStockV1, compensate, { orderId: 'order-flow-2' })]);
    await driver.publisher.send([command(releaseStockV1, compensate, { orderId: 'order-flow-2' })]);
    await waitUntil(() => repliesOf('saga-flow-2').length === 4, { what: 'two release replies' });
    assert.deepEqual(
      repliesOf('saga-flow-2')
        .slice(2)
        .map((r) => [r.action, r.outcome, r.result]),
      [
        ['compensate', 'succeeded', { releasedUnits: 3 }],
        ['compensate', 'succeeded', { releasedUnits: 3 }],
      ],
    );
    assert.equal((await world.level('kafka-flow'))?.reserved, 0);

    await driver.publisher.send([
      command(reserveStockV1, meta('saga-flow-3', 0, 'execute'), {
        orderId: 'order-flow-3',
        lines: [{ productId: 'kafka-flow', quantity: 4 }],
      }),
      command(commitStockV1, meta('saga-flow-3', 3, 'execute'), { orderId: 'order-flow-3' }),
    ]);
    await waitUntil(() => repliesOf('saga-flow-3').length === 2, { what: 'reserve and commit' });
    assert.deepEqual(
      repliesOf('saga-flow-3').map((r) => [r.step, r.outcome, r.result]),
      [
        [0, 'succeeded', { reservedUnits: 4 }],
        [3, 'succeeded', { committedUnits: 4 }],
      ],
    );
    assert.deepEqual(await world.level('kafka-flow'), {
      productId: 'kafka-flow',
      onHand: 6,
      reserved: 0,
      lowStockThreshold: 0,
    });
  });

  it('restock-order: a sold order back on hand once, a held one released, none a no-op', async () => {
    await world.setStock('kafka-restock', 10);
    // Sold: reserve 4 and commit them (on hand 6).
    await driver.publisher.send([
      command(reserveStockV1, meta('po-rs', 1, 'execute'), {
        orderId: 'order-rs',
        lines: [{ productId: 'kafka-restock', quantity: 4 }],
      }),
      command(commitStockV1, meta('po-rs', 4, 'execute'), { orderId: 'order-rs' }),
    ]);
    await waitUntil(() => repliesOf('po-rs').length === 2, { what: 'reserve and commit' });
    assert.equal((await world.level('kafka-restock'))?.onHand, 6);

    // The cancel saga's command, resent once, and 10 other sagas restocking the same order at once.
    const restock = command(restockOrderV1, meta('co-rs', 0, 'execute'), { orderId: 'order-rs' });
    const others = Array.from({ length: 10 }, (_, i) => `co-rs-${i}`);
    await driver.publisher.send([
      restock,
      ...others.map((sagaId) =>
        command(restockOrderV1, meta(sagaId, 0, 'execute'), { orderId: 'order-rs' }),
      ),
    ]);
    // A resend is a new message (the next attempt) for the same saga step.
    await driver.publisher.send([
      command(
        restockOrderV1,
        { ...meta('co-rs', 0, 'execute'), attempt: 2 },
        { orderId: 'order-rs' },
      ),
    ]);
    const all = await waitUntil(
      () => {
        const got = ['co-rs', ...others].flatMap(repliesOf);
        return got.length === 12 && got;
      },
      { timeoutMs: 30_000, what: '12 restock replies' },
    );
    assert.ok(
      all.every((r) => r.outcome === 'succeeded'),
      JSON.stringify(all),
    );
    // Whichever saga came first put the 4 units back; every other found them back already.
    const bySaga = ['co-rs', ...others].map((id) => repliesOf(id)[0]?.result?.restockedUnits);
    assert.deepEqual(
      bySaga.filter((u) => u !== 0),
      [4],
      `units restocked per saga: ${bySaga.join(',')}`,
    );
    const [first, resend] = repliesOf('co-rs');
    assert.deepEqual(resend?.result, first?.result, 'the resend repeats the recorded reply');
    assert.deepEqual(await world.level('kafka-restock'), {
      productId: 'kafka-restock',
      onHand: 10,
      reserved: 0,
      lowStockThreshold: 0,
    });
    // A commit of a restocked order is refused: its units are no longer held or sold.
    await driver.publisher.send([
      command(commitStockV1, meta('po-rs-late', 4, 'execute'), { orderId: 'order-rs' }),
    ]);
    await waitUntil(() => repliesOf('po-rs-late').length === 1, { what: 'the late commit' });
    assert.equal(repliesOf('po-rs-late')[0]?.outcome, 'failed');

    // Held only: restock releases it.
    await driver.publisher.send([
      command(reserveStockV1, meta('po-rs-held', 1, 'execute'), {
        orderId: 'order-rs-held',
        lines: [{ productId: 'kafka-restock', quantity: 3 }],
      }),
    ]);
    await waitUntil(() => repliesOf('po-rs-held').length === 1, { what: 'the reserve' });
    await driver.publisher.send([
      command(restockOrderV1, meta('co-rs-held', 0, 'execute'), { orderId: 'order-rs-held' }),
    ]);
    await waitUntil(() => repliesOf('co-rs-held').length === 1, { what: 'the held restock' });
    assert.deepEqual(repliesOf('co-rs-held')[0]?.result, { restockedUnits: 3 });
    assert.deepEqual(await world.level('kafka-restock'), {
      productId: 'kafka-restock',
      onHand: 10,
      reserved: 0,
      lowStockThreshold: 0,
    });

    // Nothing held: a no-op success, and the order's later reserve is refused.
    await driver.publisher.send([
      command(restockOrderV1, meta('co-rs-none', 0, 'execute'), { orderId: 'order-rs-none' }),
    ]);
    await waitUntil(() => repliesOf('co-rs-none').length === 1, { what: 'the no-op restock' });
    await driver.publisher.send([
      command(reserveStockV1, meta('po-rs-none', 1, 'execute'), {
        orderId: 'order-rs-none',
        lines: [{ productId: 'kafka-restock', quantity: 1 }],
      }),
    ]);
    await waitUntil(() => repliesOf('po-rs-none').length === 1, { what: 'the late reserve' });
    assert.deepEqual(repliesOf('co-rs-none')[0]?.result, { restockedUnits: 0 });
    assert.equal(repliesOf('po-rs-none')[0]?.outcome, 'failed');
    assert.equal((await world.level('kafka-restock'))?.reserved, 0);
  });
});
