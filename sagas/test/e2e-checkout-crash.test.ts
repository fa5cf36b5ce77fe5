// The orchestrator and each participant service SIGKILLed at random moments during 50 checkouts,
// end to end through the gateway: every order still ends CONFIRMED or FAILED, nothing is left
// charged or reserved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestStack } from '@shop/testing';
import { address, CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';

const CHECKOUTS = 50;
/** Customers checking out at the same time. */
const PLACERS = 5;
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

  it('every order ends CONFIRMED or FAILED; captured charges = confirmed orders; no reservation orphaned', async (t) => {
    // A mix: most succeed, some are declined, some cannot be delivered, kits run out at 40.
    const kinds = ['ok', 'ok', 'ok', 'declined', 'unserved'] as const;
    const customers = await Promise.all(
      (await world.customers(CHECKOUTS)).map(async (c, i) => {
        await world.addToCart(c, i % 2 === 0 ? 'kit' : 'tent', 1);
        return { c, kind: kinds[i % kinds.length]! };
      }),
    );
    const placed: { c: Customer; id: string }[] = [];
    let retries = 0;
    const place = async ({ c, kind }: (typeof customers)[number]): Promise<void> => {
      // As a storefront does: a placement that errors (a service down mid-restart) is sent
      // again with the same idempotency key until it answers, so one order per customer.
      const key = crypto.randomUUID();
      const card = kind === 'declined' ? CARDS.declined : CARDS.success;
      const shipTo = address(kind === 'unserved' ? '99501' : '10001');
      const giveUpAt = Date.now() + 120_000; // a restart waits up to 120 s to listen
      for (;;) {
        const res = await world.placeOrder(c, card, { key, address: shipTo });
        if (res.errors === undefined) {
          placed.push({ c, id: res.data!.placeOrder.id });
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
    const GATE = Math.ceil(CHECKOUTS / VICTIMS.length);
    const queue = [...customers];
    let killed = 0;
    // Neither side waits for the other once that one has stopped (done or failed): no hang.
    let placing = true;
    const placers = Promise.all(
      Array.from({ length: PLACERS }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          while (killed < VICTIMS.length && placed.length >= (killed + 1) * GATE) await sleep(100);
          await place(next);
          await sleep(Math.floor(Math.random() * 300));
        }
      }),
    ).finally(() => {
      placing = false;
    });
    // Each kill waits for two orders placed since the last one, then lands at a random moment.
    // Labelled victim@placed/unsettled (orders placed so far, how many had no outcome yet), so
    // a kill that hit no saga in flight shows, and more than one of those fails the test.
    const kills: string[] = [];
    let midFlow = 0;
    try {
      for (const victim of VICTIMS) {
        while (placing && placed.length < killed * GATE + 2) await sleep(50);
        await sleep(Math.floor(Math.random() * 800));
        const open = await world.unsettled(placed.map((p) => p.id));
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
    for (const o of orders) counts[o.status] = (counts[o.status] ?? 0) + 1;
    t.diagnostic(`outcomes ${JSON.stringify(counts)}`);
    assert.equal(orders.length, CHECKOUTS);
    for (const o of orders) assert.ok(['CONFIRMED', 'FAILED'].includes(o.status), o.id);

    let netCaptured = 0;
    for (const o of orders) {
      const calls = await world.providerCalls(o.id);
      assert.ok((calls.capture ?? 0) <= 1, `order ${o.id} charged ${calls.capture} times`);
      assert.ok((calls.refund ?? 0) <= 1, `order ${o.id} refunded ${calls.refund} times`);
      netCaptured += (calls.capture ?? 0) - (calls.refund ?? 0);
      if (o.status === 'FAILED') assert.equal(calls.capture ?? 0, calls.refund ?? 0, o.id);
    }
    assert.equal(netCaptured, counts.CONFIRMED ?? 0, 'captured charges = confirmed orders');
    assert.deepEqual(await world.heldReservations(orders.map((o) => o.id)), [], 'no orphan');
    const kit = await world.stock('kit');
    const tent = await world.stock('tent');
    assert.equal(kit.reserved + tent.reserved, 0, 'nothing left reserved');
    const confirmedUnits = orders.filter((o) => o.status === 'CONFIRMED').length;
    assert.equal(40 - kit.onHand + (1000 - tent.onHand), confirmedUnits, 'stock sold = confirmed');
  });
});
