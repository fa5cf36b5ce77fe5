// The orchestrator SIGKILLed during 30 registrations and 10 replenishments (issue 14): every
// registration bonus and every replenishment ends in its terminal state once. Real processes
// (gateway, five subgraphs, orchestrator) on the local stack; the orchestrator is killed while
// sagas of both kinds are in flight and restarted on the same database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil } from '@shop/testing';
import { CARDS, CheckoutWorld, type Customer } from './e2e/checkout-world.js';
import { replenishmentsOf, setSupply } from './e2e/replenishment-support.js';

const REGISTRATIONS = 30;
const PRODUCTS = 10;
/** users' default registration bonus (BONUS_CREDIT_CENTS). */
const BONUS_CENTS = 500;

describe('orchestrator SIGKILLed during registrations and replenishments', () => {
  const stack = new TestStack('e2erepk');
  let world: CheckoutWorld;

  before(async () => {
    world = await CheckoutWorld.open(stack, { bonus: true });
  });
  after(async () => {
    await world?.close();
  });

  /** Sagas of a type by status. */
  const sagas = async (type: string): Promise<Record<string, number>> => {
    const rows = await world.rows<{ status: string; n: number | string }>(
      'sagas',
      'SELECT status, COUNT(*) AS n FROM saga_instance WHERE type = ? GROUP BY status',
      [type],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };
  const inFlight = async (type: string): Promise<number> => {
    const by = await sagas(type);
    return (by.RUNNING ?? 0) + (by.COMPENSATING ?? 0);
  };

  /** Kills the orchestrator once `type` has sagas in flight; returns how many were. */
  const killDuring = async (type: string): Promise<number> => {
    const flying = await waitUntil(async () => (await inFlight(type)) || undefined, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: `${type} sagas in flight`,
    });
    await world.kill('orchestrator');
    return flying;
  };

  it('each registration bonus and each replenishment ends in its terminal state once', async () => {
    const ids = Array.from({ length: PRODUCTS }, (_, i) => `crash-item-${i}`);
    await world.products(
      ids.map((id, i) => ({ id, title: `Crash test item ${i}`, priceCents: 1000, stock: 5 })),
    );
    for (const id of ids) await setSupply(world, id, { lowStockThreshold: 5 });

    // 30 registrations, the orchestrator killed while their bonus sagas run.
    const registering = world.customers(REGISTRATIONS);
    const bonusKill = await killDuring('registration-bonus');
    const customers: Customer[] = await registering;

    // 10 checkouts of one unit each: every product falls to 4 < 5 and opens a replenishment; the
    // orchestrator is killed while they run (ordering, waiting for goods, stocking).
    const placed = await Promise.all(
      ids.map(async (productId, i) => {
        const c = customers[i]!;
        await world.addToCart(c, productId, 1);
        const res = await world.placeOrder(c, CARDS.success);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return { c, id: res.data!.placeOrder.id };
      }),
    );
    const replenishKill = await killDuring('replenish-stock');
    assert.ok(bonusKill > 0 && replenishKill > 0, 'both kills hit sagas in flight');

    for (const { c, id } of placed) assert.equal((await world.settled(c, id)).status, 'CONFIRMED');
    await waitUntil(
      async () => {
        const bonus = await sagas('registration-bonus');
        const replenish = await sagas('replenish-stock');
        return bonus.COMPLETED === REGISTRATIONS && replenish.COMPLETED === PRODUCTS
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'every bonus and replenishment to complete' },
    );
    assert.deepEqual(await sagas('registration-bonus'), { COMPLETED: REGISTRATIONS });
    assert.deepEqual(await sagas('replenish-stock'), { COMPLETED: PRODUCTS });

    // Completed once: one `completed` entry in each saga's history.
    const histories = await world.rows<{ id: string; history: string }>(
      'sagas',
      "SELECT id, history FROM saga_instance WHERE type IN ('registration-bonus', 'replenish-stock')",
    );
    for (const h of histories) {
      const events = (JSON.parse(h.history) as { event: string }[]).map((e) => e.event);
      assert.equal(events.filter((e) => e === 'completed').length, 1, h.id);
    }

    // One bonus each: one grant in each ledger, the balance exactly the bonus.
    const grants = await world.rows<{ user_id: string; n: number | string; total: number }>(
      'users',
      "SELECT user_id, COUNT(*) AS n, SUM(amount_cents) AS total FROM credit_ledger_entries WHERE kind = 'GRANT' GROUP BY user_id",
    );
    const byUser = new Map(grants.map((g) => [g.user_id, g]));
    for (const c of customers) {
      const g = byUser.get(c.userId);
      assert.equal(Number(g?.n), 1, `one grant for ${c.userId}`);
      assert.equal(Number(g?.total), BONUS_CENTS);
    }
    const [revoked] = await world.rows<{ n: number | string }>(
      'users',
      "SELECT COUNT(*) AS n FROM credit_ledger_entries WHERE kind = 'REVOKE'",
    );
    assert.equal(Number(revoked!.n), 0, 'no bonus was withdrawn');

    // One replenishment per product, its goods stocked once: 4 left + 6 ordered.
    for (const productId of ids) {
      const all = await replenishmentsOf(world, productId);
      assert.equal(all.length, 1, `${productId}: ${JSON.stringify(all)}`);
      assert.deepEqual([all[0]!.status, all[0]!.open], ['RECEIVED', false]);
      assert.equal(all[0]!.stocked, 6);
      assert.deepEqual(await world.stock(productId), { onHand: 10, reserved: 0 });
    }
  });
});
