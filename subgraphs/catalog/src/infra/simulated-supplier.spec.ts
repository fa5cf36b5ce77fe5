import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SupplierOrder } from '../service/supplier-port.js';
import { SimulatedSupplier, simulatedDeliveries } from './simulated-supplier.js';

const LEAD = 1000;
const placedAt = new Date('2026-12-03T10:00:00.000Z');
const order = (supplier: string, quantity: number): SupplierOrder => ({
  supplierOrderId: 'sim-po-r1',
  supplier,
  productId: 'p-1',
  quantity,
  placedAt,
});
const request = (supplier: string, idempotencyKey = 'r1') => ({
  idempotencyKey,
  supplier,
  productId: 'p-1',
  quantity: 10,
});
const signal = () => AbortSignal.timeout(1000);

describe('SimulatedSupplier', () => {
  it('delivers the whole order one lead time after placement, with a stable delivery id', () => {
    assert.deepEqual(simulatedDeliveries(order('acme', 10), LEAD), [
      { deliveryId: 'sim-po-r1/1', quantity: 10, arrivedAt: new Date('2026-12-03T10:00:01.000Z') },
    ]);
  });

  it('sim-partial: 60% after the lead time, the rest after twice it', () => {
    assert.deepEqual(
      simulatedDeliveries(order('sim-partial', 10), LEAD).map((d) => [d.deliveryId, d.quantity]),
      [
        ['sim-po-r1/1', 6],
        ['sim-po-r1/2', 4],
      ],
    );
    assert.deepEqual(
      simulatedDeliveries(order('sim-partial', 3), LEAD).map((d) => d.quantity),
      [1, 2],
    );
    assert.deepEqual(
      simulatedDeliveries(order('sim-partial', 1), LEAD).map((d) => d.quantity),
      [1],
    );
  });

  it('answers deliveries by the clock: none before the lead time, then each as it comes', async () => {
    let now = placedAt.getTime();
    const supplier = new SimulatedSupplier({ leadTimeMs: LEAD, now: () => now });
    const arrived = async () =>
      (await supplier.deliveries(order('sim-partial', 10), signal())).map((d) => d.quantity);
    assert.deepEqual(await arrived(), []);
    now += LEAD;
    assert.deepEqual(await arrived(), [6]);
    now += LEAD;
    assert.deepEqual(await arrived(), [6, 4]);
    // Another instance (a restarted catalog) derives the same from the stored order.
    const restarted = new SimulatedSupplier({ leadTimeMs: LEAD, now: () => now });
    assert.deepEqual(
      await restarted.deliveries(order('sim-partial', 10), signal()),
      await supplier.deliveries(order('sim-partial', 10), signal()),
    );
  });

  it('places an order once per idempotency key, answering a repeat alike', async () => {
    let now = placedAt.getTime();
    const supplier = new SimulatedSupplier({ leadTimeMs: LEAD, now: () => now });
    const first = await supplier.placeOrder(request('acme'), signal());
    now += 500;
    assert.deepEqual(await supplier.placeOrder(request('acme'), signal()), first);
    assert.deepEqual(first, { ok: true, supplierOrderId: 'sim-po-r1', placedAt });
    assert.equal(supplier.callsOf('r1'), 2);
  });

  it('sim-refuses refuses, naming the reason', async () => {
    const supplier = new SimulatedSupplier({ leadTimeMs: LEAD });
    assert.deepEqual(await supplier.placeOrder(request('sim-refuses'), signal()), {
      ok: false,
      refusal: 'refused',
      message: 'supplier sim-refuses refused the order: item discontinued',
    });
  });

  it('sim-flaky is unavailable on the first call of each key, then takes the order', async () => {
    const supplier = new SimulatedSupplier({ leadTimeMs: LEAD });
    const first = await supplier.placeOrder(request('sim-flaky'), signal());
    assert.deepEqual(first.ok ? 'ok' : first.refusal, 'unavailable');
    assert.equal((await supplier.placeOrder(request('sim-flaky'), signal())).ok, true);
    const other = await supplier.placeOrder(request('sim-flaky', 'r2'), signal());
    assert.equal(other.ok, false);
  });

  it('sim-unreachable never answers: the caller’s deadline ends the call', async () => {
    const supplier = new SimulatedSupplier({ leadTimeMs: LEAD });
    const deadline = AbortSignal.timeout(30);
    await assert.rejects(supplier.placeOrder(request('sim-unreachable'), deadline), {
      name: 'TimeoutError',
    });
    assert.equal(deadline.aborted, true);
  });
});
