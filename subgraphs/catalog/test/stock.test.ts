import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { waitUntil, TestStack } from '@shop/testing';
import { openStockWorld, probeTopic, type StockWorld } from './stock-world.js';

const mintProof = proofMinter('catalog');

describe('stock and reservations against MariaDB, through the service and the subgraph', () => {
  const stack = new TestStack('stock');
  let world: StockWorld;

  before(async () => {
    world = await openStockWorld(stack);
  });
  after(async () => {
    await world?.close();
  });

  const reservations = () => world.app.stock.reservations;
  const heldUnits = (productId: string) =>
    world.count(
      `SELECT COALESCE(SUM(l.quantity), 0) AS n FROM stock_reservation_line l
       JOIN stock_reservation r ON r.order_id = l.order_id
       WHERE l.product_id = ? AND r.status = 'held'`,
      [productId],
    );

  it('200 concurrent reserves of 1 unit against stock 50: exactly 50 succeed', async () => {
    await world.setStock('hot', 50);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        reservations().reserve(`hot-order-${i}`, [{ productId: 'hot', quantity: 1 }]),
      ),
    );
    const reserved = outcomes.filter((o) => o.outcome === 'reserved');
    const refused = outcomes.filter((o) => o.outcome === 'refused');
    assert.equal(reserved.length, 50);
    assert.equal(refused.length, 150);
    for (const r of refused)
      assert.equal(r.outcome === 'refused' && r.reason, 'out of stock: hot wants 1, 0 available');
    assert.deepEqual(await world.level('hot'), {
      productId: 'hot',
      onHand: 50,
      reserved: 50,
      lowStockThreshold: 0,
    });
    // The reservations agree with the stock row: 50 orders hold one unit each.
    assert.equal(await heldUnits('hot'), 50);
    assert.equal(
      await world.count(
        "SELECT COUNT(*) AS n FROM stock_reservation WHERE status = 'held' AND order_id LIKE 'hot-order-%'",
      ),
      50,
    );
  });

  it('reserving the same order id again, even concurrently, reserves once', async () => {
    await world.setStock('twice', 10);
    const lines = [{ productId: 'twice', quantity: 2 }];
    const first = await reservations().reserve('again-1', lines);
    assert.deepEqual(first, { outcome: 'reserved', lines, units: 2, repeated: false });
    const repeats = await Promise.all(
      Array.from({ length: 5 }, () => reservations().reserve('again-1', lines)),
    );
    for (const r of repeats)
      assert.deepEqual(r, { outcome: 'reserved', lines, units: 2, repeated: true });
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => reservations().reserve('again-2', lines)),
    );
    assert.equal(racing.filter((r) => r.outcome === 'reserved' && !r.repeated).length, 1);
    assert.equal(racing.filter((r) => r.outcome === 'reserved' && r.repeated).length, 4);
    assert.equal((await world.level('twice'))?.reserved, 4);
    const other = await reservations().reserve('again-1', [{ productId: 'twice', quantity: 3 }]);
    assert.deepEqual(
      other.outcome === 'refused' && other.reason,
      'order again-1 already holds a different reservation',
    );
    assert.equal((await world.level('twice'))?.reserved, 4);
  });

  it('release twice releases once, and only what that order holds', async () => {
    await world.setStock('rel', 10);
    await reservations().reserve('rel-a', [{ productId: 'rel', quantity: 2 }]);
    await reservations().reserve('rel-b', [{ productId: 'rel', quantity: 3 }]);
    assert.equal((await world.level('rel'))?.reserved, 5);
    assert.deepEqual(await reservations().release('rel-a'), { outcome: 'done', units: 2 });
    assert.deepEqual(await reservations().release('rel-a'), { outcome: 'done', units: 0 });
    assert.equal((await world.level('rel'))?.reserved, 3);
    const racing = await Promise.all(
      Array.from({ length: 4 }, () => reservations().release('rel-b')),
    );
    assert.deepEqual(racing.map((r) => (r.outcome === 'done' ? r.units : -1)).sort(), [0, 0, 0, 3]);
    assert.deepEqual(await world.level('rel'), {
      productId: 'rel',
      onHand: 10,
      reserved: 0,
      lowStockThreshold: 0,
    });
  });

  it('a release that comes before its reserve makes the late reserve a refusal', async () => {
    await world.setStock('late', 5);
    assert.deepEqual(await reservations().release('late-1'), { outcome: 'done', units: 0 });
    const late = await reservations().reserve('late-1', [{ productId: 'late', quantity: 1 }]);
    assert.deepEqual(
      late.outcome === 'refused' && late.reason,
      'the reservation of order late-1 was released',
    );
    assert.equal((await world.level('late'))?.reserved, 0);
  });

  it('concurrent releases, commits and a reserve of one order all answer, and settle once', async () => {
    await world.setStock('race', 10);
    // an order never reserved: every release answers done, none fails on a deadlock
    const unknown = await Promise.allSettled(
      Array.from({ length: 12 }, () => reservations().release('race-unknown')),
    );
    assert.deepEqual(
      unknown.map((r) => (r.status === 'fulfilled' ? r.value.outcome : String(r.reason))),
      Array.from({ length: 12 }, () => 'done'),
    );
    // a reserve racing releases and commits of the same order
    const mixed = await Promise.allSettled([
      reservations().reserve('race-1', [{ productId: 'race', quantity: 4 }]),
      ...Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0 ? reservations().release('race-1') : reservations().commit('race-1'),
      ),
    ]);
    const failures = mixed.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    assert.deepEqual(failures, []);
    const level = await world.level('race');
    // whatever won, nothing is left held, and on hand is 10 or 6 (sold once)
    assert.equal(level?.reserved ?? -1, await heldUnits('race'));
    assert.ok(level?.onHand === 10 || level?.onHand === 6, JSON.stringify(level));
  });

  it('a multi-line reservation with one line short reserves nothing', async () => {
    await world.setStock('ml-a', 10);
    await world.setStock('ml-b', 1);
    await world.setStock('ml-c', 10);
    const lines = [
      { productId: 'ml-c', quantity: 1 },
      { productId: 'ml-a', quantity: 2 },
      { productId: 'ml-b', quantity: 3 },
      { productId: 'ml-none', quantity: 1 },
    ];
    const outcome = await reservations().reserve('ml-1', lines);
    assert.deepEqual(outcome, {
      outcome: 'refused',
      reason: 'out of stock: ml-b wants 3, 1 available; ml-none wants 1, 0 available',
      shortages: [
        { productId: 'ml-b', wanted: 3, available: 1 },
        { productId: 'ml-none', wanted: 1, available: 0 },
      ],
    });
    for (const id of ['ml-a', 'ml-b', 'ml-c'])
      assert.equal((await world.level(id))?.reserved, 0, id);
    assert.equal(
      await world.count("SELECT COUNT(*) AS n FROM stock_reservation WHERE order_id = 'ml-1'"),
      0,
    );
    assert.equal(
      await world.count("SELECT COUNT(*) AS n FROM stock_reservation_line WHERE order_id = 'ml-1'"),
      0,
    );
    // Nothing of the refusal was kept, so the order can still reserve what is there.
    const fits = await reservations().reserve('ml-1', lines.slice(0, 2));
    assert.equal(fits.outcome, 'reserved');
    assert.equal((await world.level('ml-a'))?.reserved, 2);
    assert.equal((await world.level('ml-c'))?.reserved, 1);
  });

  it('commit after reserve sells the units once; release after commit is refused', async () => {
    await world.setStock('sell', 10);
    await reservations().reserve('sell-1', [{ productId: 'sell', quantity: 4 }]);
    assert.deepEqual(await reservations().commit('sell-1'), { outcome: 'done', units: 4 });
    assert.deepEqual(await reservations().commit('sell-1'), { outcome: 'done', units: 0 });
    assert.deepEqual(await world.level('sell'), {
      productId: 'sell',
      onHand: 6,
      reserved: 0,
      lowStockThreshold: 0,
    });
    const release = await reservations().release('sell-1');
    assert.deepEqual(
      release.outcome === 'refused' && release.reason,
      'the stock of order sell-1 was already sold (committed)',
    );
    const unknown = await reservations().commit('sell-none');
    assert.deepEqual(
      unknown.outcome === 'refused' && unknown.reason,
      'order sell-none holds no reservation',
    );
    await reservations().reserve('sell-2', [{ productId: 'sell', quantity: 1 }]);
    await reservations().release('sell-2');
    const released = await reservations().commit('sell-2');
    assert.deepEqual(
      released.outcome === 'refused' && released.reason,
      'the reservation of order sell-2 was released',
    );
    assert.deepEqual(await world.level('sell'), {
      productId: 'sell',
      onHand: 6,
      reserved: 0,
      lowStockThreshold: 0,
    });
  });

  it('publishes catalog.stock-low once when available stock crosses below the threshold', async () => {
    const probe = await probeTopic(world, stack, world.eventsTopic);
    try {
      await world.setStock('low', 10, 5);
      // 10 concurrent reserves take available from 10 to 0; the crossing is 5 → 4.
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          reservations().reserve(`low-${i}`, [{ productId: 'low', quantity: 1 }]),
        ),
      );
      assert.ok(outcomes.every((o) => o.outcome === 'reserved'));
      await world.drained();
      const forLow = () => probe.envelopes.filter((e) => e.key === 'low');
      // Every change's stock-changed event arrived, so the stock-low count is final.
      await waitUntil(
        () => forLow().filter((e) => e.type === 'catalog.stock-changed').length === 10,
        { what: '10 stock-changed events' },
      );
      const low = forLow().filter((e) => e.type === 'catalog.stock-low');
      assert.equal(low.length, 1);
      // The crossing opened the product's replenishment, which the event names.
      const [opened] = await world.rows<{ id: string }>(
        "SELECT id FROM replenishment WHERE open_product_id = 'low'",
      );
      assert.deepEqual(low[0]?.data, {
        productId: 'low',
        available: 4,
        onHand: 10,
        reserved: 6,
        threshold: 5,
        replenishmentId: opened?.id,
      });
      // Releasing above the threshold and falling below again is a new crossing.
      for (let i = 0; i < 6; i++) await reservations().release(`low-${i}`);
      assert.equal(
        (await reservations().reserve('low-again', [{ productId: 'low', quantity: 2 }])).outcome,
        'reserved',
      );
      await world.drained();
      await waitUntil(() => forLow().filter((e) => e.type === 'catalog.stock-low').length === 2, {
        what: 'the second crossing',
      });
    } finally {
      await probe.stop();
    }
  });

  it('an adjustment racing reservations never leaves on hand below what they hold', async () => {
    await world.app.catalog.upsert({ id: 'race', title: 'Race', description: '', priceCents: 1 });
    for (let round = 0; round < 3; round++) {
      await world.setStock('race', 20);
      const [adjusted, ...outcomes] = await Promise.allSettled([
        world.app.stock.stock.adjust({ productId: 'race', setOnHand: 10 }),
        ...Array.from({ length: 20 }, (_, i) =>
          reservations().reserve(`race-${round}-${i}`, [{ productId: 'race', quantity: 1 }]),
        ),
      ]);
      const won = outcomes.filter(
        (o) => o.status === 'fulfilled' && o.value.outcome === 'reserved',
      );
      const level = await world.level('race');
      assert.equal(level?.reserved, won.length);
      assert.ok(level !== undefined && level.reserved <= level.onHand);
      if (adjusted?.status === 'fulfilled') assert.equal(level.onHand, 10);
      else {
        // Refused because more than 10 were already held when it took the row's lock.
        assert.match(String(adjusted?.reason), /below the \d+ reserved for orders/);
        assert.ok(won.length > 10);
      }
    }
  });

  describe('over GraphQL', () => {
    const products = Array.from({ length: 12 }, (_, i) => ({
      id: `gq-${i}`,
      title: `Product ${i}`,
      description: '',
      priceCents: 100 + i,
    }));
    before(async () => {
      for (const p of products) await world.app.catalog.upsert(p);
      for (const [i, p] of products.entries()) if (i % 2 === 0) await world.setStock(p.id, i);
    });

    it('resolves availableQuantity and inStock for N products with one stock query', async () => {
      await reservations().reserve('gq-order', [{ productId: 'gq-4', quantity: 4 }]);
      world.stockSelects.count = 0;
      const res = await gql<{
        _entities: { id: string; availableQuantity: number; inStock: boolean }[];
      }>(
        world.url,
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id availableQuantity inStock } } }',
        { r: products.map((p) => ({ __typename: 'Product', id: p.id })) },
        await mintProof(),
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.deepEqual(
        res.data?._entities.map((e) => [e.id, e.availableQuantity, e.inStock]),
        products.map((p, i) => {
          const available = i % 2 === 0 && i !== 4 ? i : 0;
          return [p.id, available, available > 0];
        }),
      );
      assert.equal(world.stockSelects.count, 1);
    });

    it('adjustStock: admins only, on-hand never below reserved, BAD_USER_INPUT per field', async () => {
      const adjust = `mutation ($i: AdjustStockInput!) {
        adjustStock(input: $i) { productId onHand reserved available lowStockThreshold } }`;
      const customer = await gql(
        world.url,
        adjust,
        { i: { productId: 'gq-1', setOnHand: 5 } },
        await mintProof({ sub: 'u1', roles: ['customer'] }),
      );
      assert.equal(customer.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const admin = await mintProof({ sub: 'a1', roles: ['admin'] });
      const set = await gql<{ adjustStock: unknown }>(
        world.url,
        adjust,
        { i: { productId: 'gq-1', setOnHand: 5, lowStockThreshold: 2 } },
        admin,
      );
      assert.equal(set.errors, undefined, JSON.stringify(set.errors));
      assert.deepEqual(set.data?.adjustStock, {
        productId: 'gq-1',
        onHand: 5,
        reserved: 0,
        available: 5,
        lowStockThreshold: 2,
      });
      await reservations().reserve('gq-hold', [{ productId: 'gq-1', quantity: 3 }]);
      const added = await gql<{ adjustStock: { onHand: number; available: number } }>(
        world.url,
        adjust,
        { i: { productId: 'gq-1', addOnHand: -2 } },
        admin,
      );
      assert.deepEqual(added.data?.adjustStock, {
        productId: 'gq-1',
        onHand: 3,
        reserved: 3,
        available: 0,
        lowStockThreshold: 2,
      });
      const below = await gql(
        world.url,
        adjust,
        { i: { productId: 'gq-1', addOnHand: -1 } },
        admin,
      );
      assert.equal(below.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(
        below.errors?.[0]?.message,
        'addOnHand would leave 2 on hand, below the 3 reserved for orders',
      );
      const both = await gql<unknown>(
        world.url,
        adjust,
        { i: { productId: 'gq-1', setOnHand: 1, addOnHand: 1, lowStockThreshold: -1 } },
        admin,
      );
      assert.equal(both.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(
        (both.errors?.[0]?.extensions as { fields?: { field: string }[] } | undefined)?.fields?.map(
          (f) => f.field,
        ),
        ['addOnHand', 'lowStockThreshold'],
      );
      const unknown = await gql(
        world.url,
        adjust,
        { i: { productId: 'nope', setOnHand: 1 } },
        admin,
      );
      assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(unknown.errors?.[0]?.message, 'productId no such product');
      assert.equal(await world.level('nope'), undefined);
      assert.deepEqual(await world.level('gq-1'), {
        productId: 'gq-1',
        onHand: 3,
        reserved: 3,
        lowStockThreshold: 2,
      });
    });
  });
});
