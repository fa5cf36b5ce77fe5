import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  awaitGoodsV1,
  closeReplenishmentV1,
  createEnvelope,
  placePurchaseOrderV1,
  sagaParkedV1,
  stockGoodsV1,
  type SagaCommandContract,
} from '@shop/schema';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack, waitUntil } from '@shop/testing';
import {
  openSagaDriver,
  openStockWorld,
  probeTopic,
  type SagaDriver,
  type StockWorld,
  type TopicProbe,
} from './stock-world.js';

const mintProof = proofMinter('catalog');

/** Long enough that a wait for goods sent right after the order is placed finds none yet. */
const LEAD_TIME_MS = 3000;
const CALL_TIMEOUT_MS = 300;

type Envelope = TopicProbe['envelopes'][number];

describe('replenishments: catalog’s side of the replenishment saga, over Kafka and MariaDB', () => {
  const stack = new TestStack('replenish');
  let world: StockWorld;
  let driver: SagaDriver;
  let events: TopicProbe;

  before(async () => {
    world = await openStockWorld(stack, {
      SUPPLIER_LEAD_TIME_MS: String(LEAD_TIME_MS),
      SUPPLIER_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
      GOODS_INWARD_POLL_MS: '100',
    });
    driver = await openSagaDriver(world, stack);
    events = await probeTopic(world, stack, world.eventsTopic);
  });
  after(async () => {
    await events?.stop();
    await driver?.close();
    await world?.close();
  });

  const reservations = () => world.app.stock.reservations;
  const eventsOf = (type: string, key: string): Envelope[] =>
    events.envelopes.filter((e) => e.type === type && e.key === key);
  const row = async (id: string) => {
    const [r] = await world.rows<{
      status: string;
      ordered: number;
      received: number;
      stocked: number;
      supplier: string;
      placement_uncertain: number;
      open_product_id: string | null;
      awaiting_saga_id: string | null;
      awaiting_step: number | null;
      attention: string | null;
      attention_step: string | null;
    }>('SELECT * FROM replenishment WHERE id = ?', [id]);
    return r;
  };
  const openOf = async (productId: string): Promise<string | undefined> =>
    (
      await world.rows<{ id: string }>('SELECT id FROM replenishment WHERE open_product_id = ?', [
        productId,
      ])
    )[0]?.id;

  /**
   * A product whose stock crossed its threshold through a reservation, with the replenishment that
   * opened: `onHand` units, `reserve` of them held, threshold `threshold`, supplied by `supplier`.
   */
  async function lowProduct(
    productId: string,
    supplier: string,
    { onHand = 10, threshold = 5, reserve = 10 } = {},
  ): Promise<string> {
    await world.setStock(productId, onHand, threshold, supplier);
    const r = await reservations().reserve(`${productId}-order`, [
      { productId, quantity: reserve },
    ]);
    assert.equal(r.outcome, 'reserved');
    const id = await openOf(productId);
    assert.ok(id !== undefined, `a replenishment of ${productId} opened`);
    return id;
  }

  /** Publishes `sagas.saga-parked` as the orchestrator would (one key: they arrive in order). */
  const park = (
    sagaType: string,
    subject: string,
    reason: string,
    stepName = 'place-purchase-order',
  ) =>
    driver.publisher.send([
      {
        topic: world.sagaEventsTopic,
        key: 'parked',
        value: JSON.stringify(
          createEnvelope(sagaParkedV1, {
            key: 'parked',
            source: 'test-orchestrator',
            data: {
              sagaId: `${sagaType}-${subject}`,
              sagaType,
              subject,
              stepName,
              reason,
            },
          }),
        ),
      },
    ]);

  /** The saga of one replenishment, as the orchestrator would drive it. */
  function saga(replenishmentId: string) {
    const sagaId = `replenish-${replenishmentId}`;
    const repliesTo = (step: number) => driver.repliesOf(sagaId).filter((r) => r.step === step);
    /** Sends the step's command (a resend is a later attempt of the same step). */
    const send = (contract: SagaCommandContract, step: number, attempt = 1) =>
      driver.publisher.send([
        driver.command(
          contract,
          {
            sagaId,
            sagaType: 'replenish-stock',
            step,
            stepName: `step-${step}`,
            action: 'execute',
            attempt,
          },
          { replenishmentId },
        ),
      ]);
    /** Waits for the step's `n`th reply (1-based) and returns it. */
    const reply = (step: number, n = 1) =>
      waitUntil(() => repliesTo(step)[n - 1], {
        timeoutMs: 20_000,
        what: `reply ${n} to step ${step}`,
      });
    return {
      sagaId,
      repliesTo,
      send,
      reply,
      /** Sends the command and waits for its reply. */
      run: async (contract: SagaCommandContract, step: number, attempt = 1) => {
        const before = repliesTo(step).length;
        await send(contract, step, attempt);
        return reply(step, before + 1);
      },
    };
  }

  it('a crossing opens one replenishment and one stock-low naming it, even from 60 concurrent reservations', async () => {
    await world.setStock('rp-cross', 50, 20, 'acme');
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        reservations().reserve(`rp-cross-${i}`, [{ productId: 'rp-cross', quantity: 1 }]),
      ),
    );
    assert.equal(outcomes.filter((o) => o.outcome === 'reserved').length, 50);
    const opened = await world.rows<{ id: string; ordered: number; supplier: string }>(
      "SELECT id, ordered, supplier FROM replenishment WHERE product_id = 'rp-cross'",
    );
    // Crossed when available went from 20 to 19: ordered back to twice the threshold, 40 − 19.
    assert.deepEqual(
      opened.map((r) => [r.ordered, r.supplier]),
      [[21, 'acme']],
    );
    const id = opened[0]!.id;
    await world.drained();
    const low = await waitUntil(
      () =>
        eventsOf('catalog.stock-low', 'rp-cross').length >= 1 &&
        eventsOf('catalog.stock-low', 'rp-cross'),
      { what: 'the stock-low event' },
    );
    assert.deepEqual(
      low.map((e) => e.data.replenishmentId),
      [id],
    );

    // Back above the threshold and down again while it is open: the crossing is reported, but
    // no second replenishment opens (the product has one).
    for (let i = 0; i < 25; i++) await reservations().release(`rp-cross-${i}`);
    await reservations().reserve('rp-cross-again', [{ productId: 'rp-cross', quantity: 10 }]);
    await world.drained();
    const lows = await waitUntil(
      () =>
        eventsOf('catalog.stock-low', 'rp-cross').length >= 2 &&
        eventsOf('catalog.stock-low', 'rp-cross'),
      { what: 'the second stock-low event' },
    );
    assert.deepEqual(
      lows.map((e) => e.data.replenishmentId),
      [id, undefined],
    );
    assert.equal(
      await world.count("SELECT COUNT(*) AS n FROM replenishment WHERE product_id = 'rp-cross'"),
      1,
    );
  });

  it('orders, defers the wait until goods inward records the delivery, stocks it once and closes', async () => {
    const id = await lowProduct('rp-flow', 'acme');
    const s = saga(id);
    const placed = await s.run(placePurchaseOrderV1, 0);
    assert.deepEqual(
      [placed.outcome, placed.result],
      [
        'succeeded',
        { ordered: 10, received: 0, stocked: 0, outstanding: 10, supplierOrderId: `sim-po-${id}` },
      ],
    );
    assert.equal((await row(id))?.status, 'ORDERED');

    await s.send(awaitGoodsV1, 1);
    await waitUntil(async () => (await row(id))?.awaiting_saga_id === s.sagaId, {
      what: 'the wait for goods to be recorded',
    });
    assert.equal(
      await world.count(
        "SELECT COUNT(*) AS n FROM saga_participant_log WHERE saga_id = ? AND step = 1 AND outcome = 'deferred'",
        [s.sagaId],
      ),
      1,
    );
    // Deferred: the goods are a lead time away, so nothing was replied.
    assert.equal(s.repliesTo(1).length, 0);
    assert.equal((await row(id))?.received, 0);

    const received = await s.reply(1);
    assert.deepEqual(
      [received.outcome, received.result],
      ['succeeded', { ordered: 10, received: 10, stocked: 0, outstanding: 0 }],
    );
    assert.equal((await row(id))?.awaiting_saga_id, null);
    assert.equal(
      await world.count('SELECT COUNT(*) AS n FROM goods_receipt WHERE replenishment_id = ?', [id]),
      1,
    );
    // A resend of the answered wait is answered at once, the same.
    const resent = await s.run(awaitGoodsV1, 1, 2);
    assert.deepEqual(resent.result, received.result);

    const stocked = await s.run(stockGoodsV1, 2);
    assert.deepEqual(
      [stocked.outcome, stocked.result],
      ['succeeded', { ordered: 10, received: 10, stocked: 10, outstanding: 0 }],
    );
    assert.deepEqual(await world.level('rp-flow'), {
      productId: 'rp-flow',
      onHand: 20,
      reserved: 10,
      lowStockThreshold: 5,
    });
    // The same command again (a resend) changes nothing.
    await s.run(stockGoodsV1, 2, 2);
    assert.equal((await world.level('rp-flow'))?.onHand, 20);
    assert.equal((await row(id))?.status, 'RECEIVED');

    const closed = await s.run(closeReplenishmentV1, 7);
    assert.deepEqual(
      [closed.outcome, closed.result],
      [
        'succeeded',
        {
          ordered: 10,
          received: 10,
          stocked: 10,
          outstanding: 0,
          status: 'RECEIVED',
          nextReplenishmentId: null,
        },
      ],
    );
    assert.deepEqual(
      [(await row(id))?.status, (await row(id))?.open_product_id],
      ['RECEIVED', null],
    );

    await world.drained();
    await waitUntil(() => eventsOf('catalog.goods-received', 'rp-flow').length >= 1, {
      what: 'the goods-received event',
    });
    assert.deepEqual(
      eventsOf('catalog.goods-received', 'rp-flow').map((e) => e.data),
      [
        {
          replenishmentId: id,
          productId: 'rp-flow',
          supplierOrderId: `sim-po-${id}`,
          deliveryId: `sim-po-${id}/1`,
          quantity: 10,
          ordered: 10,
          received: 10,
          stocked: 0,
          outstanding: 0,
        },
      ],
    );
    // The stocking published the new figure (what search shows as in stock again).
    const changes = eventsOf('catalog.stock-changed', 'rp-flow').map((e) => e.data.onHand);
    assert.deepEqual(changes.slice(-1), [20]);
  });

  it('a delivery recorded by several pollers at once counts once and answers the wait once', async () => {
    const id = await lowProduct('rp-race', 'acme');
    const s = saga(id);
    const placed = await s.run(placePurchaseOrderV1, 0);
    await s.send(awaitGoodsV1, 1);
    await waitUntil(async () => (await row(id))?.awaiting_saga_id === s.sagaId, {
      what: 'the wait for goods',
    });
    const order = {
      id,
      productId: 'rp-race',
      supplier: 'acme',
      ordered: 10,
      supplierOrderId: String(placed.result?.supplierOrderId),
      placedAt: new Date(),
    };
    const delivery = { deliveryId: 'by-hand-1', quantity: 4, arrivedAt: new Date() };
    const handled = () =>
      world.count('SELECT COUNT(*) AS n FROM inbox_message WHERE topic = ?', [
        world.replenishmentTopic,
      ]);
    const handledBefore = await handled();
    // A resend of the wait races the pollers too: it locks the same log row and replenishment.
    const [outcomes] = await Promise.all([
      Promise.all(
        Array.from({ length: 6 }, () => world.app.stock.goodsInward.record(order, delivery)),
      ),
      s.send(awaitGoodsV1, 1, 2),
    ]);
    assert.deepEqual(outcomes.filter((o) => o === 'recorded').length, 1);
    assert.deepEqual(
      outcomes.filter((o) => o !== 'recorded'),
      Array(5).fill('known'),
    );
    assert.equal((await row(id))?.received, 4);
    await waitUntil(async () => (await handled()) === handledBefore + 1, {
      what: 'the resent wait to be handled',
    });
    // The resend came before the delivery (it waited again, and the delivery answered it) or
    // after (the recorded answer was repeated): either way each attempt got one answer, the same.
    const answers = await waitUntil(() => s.repliesTo(1).length > 0 && s.repliesTo(1), {
      what: 'the answer to the wait',
    });
    const attempts = answers.map((r) => r.attempt);
    assert.deepEqual(attempts, [...new Set(attempts)]);
    for (const r of answers)
      assert.deepEqual(
        [r.outcome, r.result],
        ['succeeded', { ordered: 10, received: 4, stocked: 0, outstanding: 6 }],
      );
    assert.equal((await row(id))?.awaiting_saga_id, null);
  });

  it('sim-partial: the first delivery is stocked with the rest outstanding, then the rest', async () => {
    const id = await lowProduct('rp-partial', 'sim-partial');
    const s = saga(id);
    const progress = (received: number, stocked: number, outstanding: number) => ({
      ordered: 10,
      received,
      stocked,
      outstanding,
    });
    assert.equal((await s.run(placePurchaseOrderV1, 0)).outcome, 'succeeded');
    await s.send(awaitGoodsV1, 1);
    assert.deepEqual((await s.reply(1)).result, progress(6, 0, 4));
    assert.deepEqual((await s.run(stockGoodsV1, 2)).result, progress(6, 6, 4));
    assert.equal((await world.level('rp-partial'))?.onHand, 16);
    assert.equal((await row(id))?.status, 'PARTIALLY_RECEIVED');

    await s.send(awaitGoodsV1, 3);
    assert.deepEqual((await s.reply(3)).result, progress(10, 6, 0));
    assert.deepEqual((await s.run(stockGoodsV1, 4)).result, progress(10, 10, 0));
    assert.equal((await world.level('rp-partial'))?.onHand, 20);
    assert.equal((await s.run(closeReplenishmentV1, 7)).result?.status, 'RECEIVED');
  });

  it('a close with units outstanding is SHORT_CLOSED, and a product still low gets its next one at once', async () => {
    const id = await lowProduct('rp-next', 'sim-partial', {
      onHand: 10,
      threshold: 8,
      reserve: 10,
    });
    const s = saga(id);
    assert.equal((await s.run(placePurchaseOrderV1, 0)).outcome, 'succeeded');
    await s.send(awaitGoodsV1, 1);
    assert.equal((await s.reply(1)).result?.received, 9);
    await s.run(stockGoodsV1, 2);
    // More is sold meanwhile: low again, but it has an open replenishment, so no new one.
    await reservations().reserve('rp-next-more', [{ productId: 'rp-next', quantity: 5 }]);
    assert.equal(await openOf('rp-next'), id);

    const closed = await s.run(closeReplenishmentV1, 7);
    assert.equal(closed.outcome, 'succeeded');
    const next = closed.result?.nextReplenishmentId;
    assert.equal(typeof next, 'string');
    assert.deepEqual(
      { ...closed.result, nextReplenishmentId: 'x' },
      {
        ordered: 16,
        received: 9,
        stocked: 9,
        outstanding: 0,
        status: 'SHORT_CLOSED',
        nextReplenishmentId: 'x',
      },
    );
    assert.equal(await openOf('rp-next'), next);
    // available 19 − 15 = 4 against threshold 8: the next orders 2 × 8 − 4.
    assert.deepEqual(
      [(await row(next as string))?.status, (await row(next as string))?.ordered],
      ['ORDERING', 12],
    );
    await world.drained();
    await waitUntil(
      () => eventsOf('catalog.stock-low', 'rp-next').some((e) => e.data.replenishmentId === next),
      { what: 'the stock-low event that starts the next saga' },
    );
  });

  it('a refusing supplier refuses the order with the reason; one that never answers leaves it unknown and pinned; a flaky one takes it on a retry', async () => {
    const refused = saga(await lowProduct('rp-refuses', 'sim-refuses'));
    const no = await refused.run(placePurchaseOrderV1, 0);
    assert.deepEqual(
      [no.outcome, no.reason],
      ['failed', 'supplier sim-refuses refused the order: item discontinued'],
    );

    // A supplier that never answers may have taken the order: the outcome is unknown, so nothing is
    // recorded or replied (the saga resends, then parks) and the supplier is pinned.
    const unreachableId = await lowProduct('rp-unreachable', 'sim-unreachable');
    const silent = saga(unreachableId);
    // Handled once its inbox row committed (with the pin, and no log row or reply).
    const inboxed = () =>
      world.count('SELECT COUNT(*) AS n FROM inbox_message WHERE topic = ?', [
        world.replenishmentTopic,
      ]);
    let seen = await inboxed();
    const handled = async (attempt: number) => {
      await waitUntil(async () => (await inboxed()) > seen || undefined, {
        timeoutMs: 30_000,
        what: `placement attempt ${attempt} handled`,
      });
      seen = await inboxed();
    };
    await silent.send(placePurchaseOrderV1, 0);
    await handled(1);
    assert.equal((await row(unreachableId))?.placement_uncertain, 1);
    assert.equal(world.app.stock.supplier.callsOf(unreachableId), 3);
    const logged = await world.rows<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM saga_participant_log WHERE saga_id = ? AND step = 0',
      [silent.sagaId],
    );
    assert.equal(Number(logged[0]!.n), 0, 'no outcome recorded, so none replied');
    assert.deepEqual(
      [(await row(unreachableId))?.status, (await row(unreachableId))?.open_product_id],
      ['ORDERING', 'rp-unreachable'],
    );
    // An operator names another supplier meanwhile: the resend still goes to the one that may
    // hold the order under this key, never to a second supplier.
    await world.rows("UPDATE stock SET supplier = 'acme' WHERE product_id = ?", ['rp-unreachable']);
    await silent.send(placePurchaseOrderV1, 0, 2);
    await handled(2);
    assert.equal((await row(unreachableId))?.supplier, 'sim-unreachable');
    assert.equal(world.app.stock.supplier.callsOf(unreachableId), 6);
    // The pinned supplier answers at last, with a definitive refusal under the key: nothing is
    // held, so the pin goes with the refusal and a retry may name another supplier.
    await world.rows("UPDATE replenishment SET supplier = 'sim-refuses' WHERE id = ?", [
      unreachableId,
    ]);
    const settled = await silent.run(placePurchaseOrderV1, 0, 3);
    assert.deepEqual(
      [settled.outcome, settled.reason],
      ['failed', 'supplier sim-refuses refused the order: item discontinued'],
    );
    assert.equal((await row(unreachableId))?.placement_uncertain, 0);

    const flakyId = await lowProduct('rp-flaky', 'sim-flaky');
    const flaky = await saga(flakyId).run(placePurchaseOrderV1, 0);
    assert.equal(flaky.outcome, 'succeeded');
    assert.equal(world.app.stock.supplier.callsOf(flakyId), 2);
    assert.equal((await row(flakyId))?.status, 'ORDERED');
  });

  it('a refused stock update changes nothing and runs again once the operator restores the stock row', async () => {
    const id = await lowProduct('rp-gone', 'acme');
    const s = saga(id);
    await s.run(placePurchaseOrderV1, 0);
    await s.send(awaitGoodsV1, 1);
    await s.reply(1);
    await world.rows('DELETE FROM stock WHERE product_id = ?', ['rp-gone']);
    const refused = await s.run(stockGoodsV1, 2);
    assert.deepEqual(
      [refused.outcome, refused.reason],
      ['failed', 'the stock row of product rp-gone is gone; restore it, then retry'],
    );
    assert.equal((await row(id))?.stocked, 0);
    await park('replenish-stock', id, refused.reason ?? '', 'stock-goods-1');
    await waitUntil(async () => (await row(id))?.attention_step === 'stock-goods-1', {
      what: 'the parked stock update to be flagged',
    });
    await world.setStock('rp-gone', 3, 5, 'acme');
    const retried = await s.run(stockGoodsV1, 2, 2);
    assert.deepEqual([retried.outcome, retried.result?.stocked], ['succeeded', 10]);
    assert.equal((await world.level('rp-gone'))?.onHand, 13);
    // A step that succeeds clears the note: the saga is moving again.
    assert.deepEqual([(await row(id))?.attention, (await row(id))?.attention_step], [null, null]);
  });

  describe('parked sagas and the admins', () => {
    const list = `query ($f: ReplenishmentFilter) {
      replenishments(filter: $f) { id productId supplier status ordered received stocked outstanding
        supplierOrderId attention attentionStep } }`;
    const retry = `mutation ($id: ID!) { retryReplenishment(id: $id) { id attention attentionStep } }`;
    let admin: string;
    let customer: string;
    before(async () => {
      admin = await mintProof({ sub: 'a1', roles: ['admin'] });
      customer = await mintProof({ sub: 'u1', roles: ['customer'] });
    });

    it('a parked saga is flagged for the admins; a retry clears it and asks for the step again, once', async () => {
      await world.app.catalog.upsert({
        id: 'rp-parked',
        title: 'Parked',
        description: '',
        priceCents: 100,
      });
      const id = await lowProduct('rp-parked', 'sim-refuses');
      const s = saga(id);
      const reason = 'supplier sim-refuses refused the order: item discontinued';
      assert.equal((await s.run(placePurchaseOrderV1, 0)).reason, reason);
      await park('replenish-stock', id, reason);
      // Another saga type naming the same id is not ours; the marker after it shows it was read.
      await park('place-order', id, 'not a replenishment');
      const marker = await lowProduct('rp-marker', 'acme');
      await park('replenish-stock', marker, 'marker');
      await waitUntil(async () => (await row(marker))?.attention === 'marker', {
        what: 'the parked events to be read',
      });
      assert.deepEqual(
        [(await row(id))?.attention, (await row(id))?.attention_step],
        [reason, 'place-purchase-order'],
      );

      const denied = await gql(world.url, list, { f: 'NEEDS_ATTENTION' }, customer);
      assert.equal(denied.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const deniedRetry = await gql(world.url, retry, { id }, customer);
      assert.equal(deniedRetry.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      // The service decides too, whoever calls it.
      const asCustomer = { userId: 'u1', roles: ['customer'] as const };
      await assert.rejects(world.app.stock.replenishments.retry(asCustomer, id), {
        name: 'ForbiddenError',
      });
      await assert.rejects(world.app.stock.replenishments.list(asCustomer, 'ALL', 10), {
        name: 'ForbiddenError',
      });
      assert.equal((await row(id))?.attention, reason);

      const parked = await gql<{ replenishments: Record<string, unknown>[] }>(
        world.url,
        list,
        { f: 'NEEDS_ATTENTION' },
        admin,
      );
      assert.equal(parked.errors, undefined, JSON.stringify(parked.errors));
      assert.deepEqual(
        parked.data?.replenishments.map((r) => r.id),
        [marker, id],
      );
      assert.deepEqual(parked.data?.replenishments[1], {
        id,
        productId: 'rp-parked',
        supplier: 'sim-refuses',
        status: 'ORDERING',
        ordered: 10,
        received: 0,
        stocked: 0,
        outstanding: 10,
        supplierOrderId: null,
        attention: reason,
        attentionStep: 'place-purchase-order',
      });

      // The operator names another supplier, then retries.
      const supply = (supplier: string) =>
        gql<{ adjustStock: { supplier: string } }>(
          world.url,
          'mutation ($i: AdjustStockInput!) { adjustStock(input: $i) { supplier } }',
          { i: { productId: 'rp-parked', supplier } },
          admin,
        );
      assert.deepEqual((await supply('acme')).data?.adjustStock, { supplier: 'acme' });
      const bad = await supply('no spaces');
      assert.equal(bad.errors?.[0]?.message, 'supplier must be 1-64 letters, digits, . _ or -');

      const retried = await gql<{ retryReplenishment: unknown }>(world.url, retry, { id }, admin);
      assert.equal(retried.errors, undefined, JSON.stringify(retried.errors));
      assert.deepEqual(retried.data?.retryReplenishment, {
        id,
        attention: null,
        attentionStep: null,
      });
      const again = await gql(world.url, retry, { id }, admin);
      assert.equal(again.errors?.[0]?.extensions?.code, 'CONFLICT');
      const unknown = await gql(world.url, retry, { id: crypto.randomUUID() }, admin);
      assert.equal(unknown.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      const open = await gql<{ replenishments: { id: string }[] }>(world.url, list, {}, admin);
      assert.ok(open.data?.replenishments.some((r) => r.id === id));
      const stillParked = await gql<{ replenishments: { id: string }[] }>(
        world.url,
        list,
        { f: 'NEEDS_ATTENTION' },
        admin,
      );
      assert.deepEqual(
        stillParked.data?.replenishments.map((r) => r.id),
        [marker],
      );

      await world.drained();
      await waitUntil(
        () => eventsOf('catalog.replenishment-retry-requested', 'rp-parked').length >= 1,
        { what: 'the retry request' },
      );
      assert.deepEqual(
        eventsOf('catalog.replenishment-retry-requested', 'rp-parked').map((e) => e.data),
        [{ replenishmentId: id, productId: 'rp-parked', requestedBy: 'a1' }],
      );

      // The orchestrator resends the parked step: the refusal runs again, with the new supplier.
      const placed = await s.run(placePurchaseOrderV1, 0, 2);
      assert.deepEqual([placed.outcome, (await row(id))?.supplier], ['succeeded', 'acme']);
    });
  });
});
