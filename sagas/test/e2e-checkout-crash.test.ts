// The orchestrator and each participant service SIGKILLed, each while sagas are in flight, during
// 50 checkouts end to end through the gateway: every order still ends as its customer made it
// (confirmed, declined, undeliverable) or failed "in time" with everything undone; one charge per
// confirmed order, one live shipment, nothing left reserved, across the whole namespace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestStack } from '@shop/testing';
import { address, CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';

const CHECKOUTS = 50;
/** Customers checking out at the same time. */
const PLACERS = 5;
/** Store credit each customer has and applies to its order. */
const CREDIT = 500;
const VICTIMS = ['orchestrator', 'catalog', 'orders', 'delivery', 'users', 'orchestrator'] as const;

describe('checkout end to end with SIGKILLs', () => {
  const stack = new TestStack('e2ekill');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack);
    await world.products([
      { id: 'kit', title: 'Camping kit', priceCents: 5_000, stock: 40 },
      { id: 'tent', title: 'Two-person tent', priceCents: 15_000, stock: 1_000 },
    ]);
  });
  after(async () => {
    await world?.close();
  });

  it('every order ends as its customer made it (or failed in time); one charge, one shipment, nothing orphaned', async (t) => {
    // A mix: most succeed, some are declined, some cannot be delivered. Kits do not run out (25
    // kit orders, 40 in stock): every failure here has a reason of its own.
    const kinds = ['ok', 'ok', 'ok', 'declined', 'unserved'] as const;
    type Kind = (typeof kinds)[number];
    const customers = await Promise.all(
      (await world.customers(CHECKOUTS)).map(async (c, i) => {
        await world.addToCart(c, i % 2 === 0 ? 'kit' : 'tent', 1);
        // Store credit makes users a participant of every saga (its debit step, and the credit
        // given back when the order fails), so its kill interrupts steps too.
        await world.ok(
          undefined,
          'mutation ($input: CreditAdjustmentInput!) { grantCredit(input: $input) { seq } }',
          { input: { userId: c.userId, amountCents: CREDIT, reason: 'crash test' } },
        );
        return { c, kind: kinds[i % kinds.length]!, priceCents: i % 2 === 0 ? 5_000 : 15_000 };
      }),
    );
    const placed: { c: Customer; id: string; kind: Kind; priceCents: number }[] = [];
    let retries = 0;
    const place = async ({ c, kind, priceCents }: (typeof customers)[number]): Promise<void> => {
      // As a storefront does: a placement that errors (a service down mid-restart) is sent
      // again with the same idempotency key until it answers, so one order per customer.
      const key = crypto.randomUUID();
      const card = kind === 'declined' ? CARDS.declined : CARDS.success;
      const shipTo = address(kind === 'unserved' ? '99501' : '10001');
      // Longer than a restart may take to listen (120 s) from any moment of the placement.
      const giveUpAt = Date.now() + 300_000;
      for (;;) {
        const res = await world.placeOrder(c, card, {
          key,
          address: shipTo,
          creditCents: CREDIT,
        });
        if (res.errors === undefined) {
          placed.push({ c, id: res.data!.placeOrder.id, kind, priceCents });
          return;
        }
        assert.ok(Date.now() < giveUpAt, `placeOrder kept failing: ${JSON.stringify(res.errors)}`);
        retries++;
        await sleep(1000);
      }
    };
    // PLACERS customers check out at a time, so several sagas are in flight when a kill lands.
    // Placement keeps pace with the kills (restarts take seconds): at most GATE orders are
    // placed per kill still to come, so every kill finds fresh sagas to interrupt.
    const GATE = Math.floor(CHECKOUTS / (VICTIMS.length + 1));
    const queue = [...customers];
    let killed = 0;
    // Neither side waits for the other once that one has stopped (done or failed): no hang, and
    // no kill or restart after a placement failed for good.
    let placing = true;
    let placersFailed = false;
    const placers = Promise.all(
      Array.from({ length: PLACERS }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          while (killed < VICTIMS.length && placed.length >= (killed + 1) * GATE) await sleep(100);
          await place(next);
          await sleep(Math.floor(Math.random() * 300));
        }
      }),
    );
    placers.then(
      () => (placing = false),
      () => ((placing = false), (placersFailed = true)),
    );
    // Each kill waits for two orders placed since the previous kill. Labelled
    // victim@placed/unsettled (orders placed so far, how many had no outcome yet), so a kill
    // while no saga was in flight shows, and more than one of those fails the test.
    const kills: string[] = [];
    let midFlow = 0;
    try {
      for (const victim of VICTIMS) {
        const base = placed.length;
        while (placing && placed.length < base + 2) await sleep(50);
        if (placersFailed) break;
        // Then at a random moment while a saga is in flight (up to 5 s for one to be).
        let open = 0;
        for (const giveUp = Date.now() + 5_000; open === 0 && Date.now() < giveUp;) {
          await sleep(20 + Math.floor(Math.random() * 200));
          open = await world.unsettled(placed.map((p) => p.id));
        }
        if (open > 0) midFlow++;
        kills.push(`${victim}@${placed.length}/${open}`);
        await world.kill(victim);
        killed++;
      }
    } finally {
      killed = VICTIMS.length;
    }
    await placers;
    t.diagnostic(`killed ${kills.join(', ')}; placements sent again ${retries} times`);
    assert.ok(midFlow >= VICTIMS.length - 1, `kills mid-flow: ${kills.join(', ')}`);

    const orders = await world.settledAll(placed);
    const counts: Record<string, number> = {};
    const lateFailures: string[] = [];
    for (const [i, o] of orders.entries()) {
      const { kind } = placed[i]!;
      counts[`${kind} ${o.status}`] = (counts[`${kind} ${o.status}`] ?? 0) + 1;
      // A step left unanswered past its attempts (a restart slower than 30 s) fails an order
      // "in time", whatever its kind; any other outcome must be the one its customer made.
      const inTime = o.status === 'FAILED' && /in time/.test(o.failureReason ?? '');
      if (inTime) lateFailures.push(`${kind}: ${o.failureReason}`);
      else if (kind === 'ok') assert.equal(o.status, 'CONFIRMED', `${o.id}: ${o.failureReason}`);
      else {
        assert.equal(o.status, 'FAILED', `${kind} order ${o.id}`);
        const expected = kind === 'declined' ? /^Payment declined/ : /^No delivery partner/;
        assert.match(o.failureReason ?? '', expected, `${kind} order ${o.id}`);
      }
      // Delivery was killed too: a confirmed order has its one live shipment, a failed one none.
      const shipment = await world.shipment(o.id);
      if (o.status === 'CONFIRMED')
        assert.ok(
          shipment !== undefined && !['CANCELLED', 'FAILED'].includes(shipment.status),
          o.id,
        );
      else assert.ok(shipment === undefined || shipment.status === 'CANCELLED', o.id);
    }
    t.diagnostic(`outcomes ${JSON.stringify(counts)}; failed in time: ${lateFailures.length}`);
    for (const late of lateFailures) t.diagnostic(`failed in time: ${late}`);

    // Per order: at most one capture and one refund; a failed order keeps nothing.
    let netCaptured = 0;
    for (const o of orders) {
      const calls = await world.providerCalls(o.id);
      assert.ok((calls.capture ?? 0) <= 1, `order ${o.id} charged ${calls.capture} times`);
      assert.ok((calls.refund ?? 0) <= 1, `order ${o.id} refunded ${calls.refund} times`);
      netCaptured += (calls.capture ?? 0) - (calls.refund ?? 0);
      if (o.status === 'FAILED') assert.equal(calls.capture ?? 0, calls.refund ?? 0, o.id);
    }
    const confirmed = orders.filter((o) => o.status === 'CONFIRMED').length;
    assert.equal(netCaptured, confirmed, 'captured charges = confirmed orders');
    // Across the whole namespace, not only the orders the test saw: no second order of one
    // customer (a retried placement), no charge, refund or reservation outside those orders.
    const [all] = await world.rows<{ n: number | string; users: number | string }>(
      'orders',
      'SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM orders',
    );
    assert.deepEqual([Number(all?.n), Number(all?.users)], [CHECKOUTS, CHECKOUTS], 'orders');
    const books = await world.rows<{ kind: string; n: number | string }>(
      'orders',
      `SELECT kind, COUNT(*) AS n FROM simulated_provider_charge WHERE outcome = 'succeeded'
       AND kind IN ('capture', 'refund') GROUP BY kind`,
    );
    const booked = (kind: string): number => Number(books.find((b) => b.kind === kind)?.n ?? 0);
    assert.equal(booked('capture') - booked('refund'), confirmed, "the provider's books");
    const [held] = await world.rows<{ n: number | string }>(
      'catalog',
      "SELECT COUNT(*) AS n FROM stock_reservation WHERE status = 'held'",
    );
    assert.equal(Number(held?.n), 0, 'no reservation left held');
    // Credit debited once for a confirmed order, which is charged the rest; given back in full
    // for a failed one (its ledger: nothing, or the debit and its give-back).
    for (const [i, o] of orders.entries()) {
      const { c, priceCents } = placed[i]!;
      const [account] = await world.rows<{ balance_cents: number | string }>(
        'users',
        'SELECT balance_cents FROM credit_accounts WHERE user_id = ?',
        [c.userId],
      );
      const entries = (
        await world.rows<{ amount_cents: number | string }>(
          'users',
          'SELECT amount_cents FROM credit_ledger_entries WHERE order_id = ? ORDER BY seq',
          [o.id],
        )
      ).map((e) => Number(e.amount_cents));
      if (o.status === 'CONFIRMED') {
        assert.equal(Number(account?.balance_cents), 0, `credit left after ${o.id}`);
        assert.deepEqual(entries, [-CREDIT], `ledger of ${o.id}`);
        assert.equal(o.totalCents, priceCents - CREDIT, `total of ${o.id}`);
        assert.equal(o.payment?.capturedCents, priceCents - CREDIT, `captured for ${o.id}`);
      } else {
        assert.equal(Number(account?.balance_cents), CREDIT, `credit left after ${o.id}`);
        assert.ok(
          entries.length === 0 || (entries.length === 2 && entries[0]! + entries[1]! === 0),
          `ledger of ${o.id}: ${entries.join(', ')}`,
        );
      }
    }
    const kit = await world.stock('kit');
    const tent = await world.stock('tent');
    assert.equal(kit.reserved + tent.reserved, 0, 'nothing left reserved');
    assert.equal(40 - kit.onHand + (1000 - tent.onHand), confirmed, 'stock sold = confirmed');
  });
});
