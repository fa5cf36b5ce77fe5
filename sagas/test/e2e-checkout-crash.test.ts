// The orchestrator and each participant service SIGKILLed at random moments during 50 checkouts,
// end to end through the gateway: every order still ends CONFIRMED or FAILED, nothing is left
// charged or reserved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestStack } from '@shop/testing';
import { address, CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';

const CHECKOUTS = 50;
const VICTIMS = ['orchestrator', 'catalog', 'orders', 'delivery', 'orchestrator'] as const;

/** Opt-in (E2E_HEAVY=1) until it passes. */
const SKIP_REASON = 'not yet run green: needs the load fix of e2e-checkout-load first';

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

  it(
    'every order ends CONFIRMED or FAILED; captured charges = confirmed orders; no reservation orphaned',
    { skip: process.env.E2E_HEAVY === '1' ? false : SKIP_REASON },
    async (t) => {
      // A mix: most succeed, some are declined, some cannot be delivered, kits run out at 40.
      const kinds = ['ok', 'ok', 'ok', 'declined', 'unserved'] as const;
      const customers = await Promise.all(
        (await world.customers(CHECKOUTS)).map(async (c, i) => {
          await world.addToCart(c, i % 2 === 0 ? 'kit' : 'tent', 1);
          return { c, kind: kinds[i % kinds.length]! };
        }),
      );
      const placed: { c: Customer; id: string }[] = [];
      const placing = (async () => {
        for (const { c, kind } of customers) {
          const res = await world.placeOrder(
            c,
            kind === 'declined' ? CARDS.declined : CARDS.success,
            {
              address: address(kind === 'unserved' ? '99501' : '10001'),
            },
          );
          assert.equal(res.errors, undefined, JSON.stringify(res.errors));
          placed.push({ c, id: res.data!.placeOrder.id });
          await sleep(Math.floor(Math.random() * 150));
        }
      })();
      // Kills land while orders are being placed and their sagas run.
      const kills: string[] = [];
      for (const victim of VICTIMS) {
        await sleep(500 + Math.floor(Math.random() * 2500));
        kills.push(`${victim}@${placed.length}`);
        await world.kill(victim);
      }
      await placing;
      t.diagnostic(`killed ${kills.join(', ')}`);

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
      assert.equal(
        40 - kit.onHand + (1000 - tent.onHand),
        confirmedUnits,
        'stock sold = confirmed',
      );
    },
  );
});
