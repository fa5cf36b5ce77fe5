import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closed,
  judgeAwait,
  judgePlacement,
  placed,
  placementSupplier,
  planOpening,
  planStocking,
  progressOf,
  retryProblem,
  type Replenishment,
} from './replenishment.js';
import { MAX_STOCK_UNITS, type StockLevel } from './stock.js';

const level = (onHand: number, reserved: number, lowStockThreshold: number): StockLevel => ({
  productId: 'p-1',
  onHand,
  reserved,
  lowStockThreshold,
});

const at = new Date('2026-12-03T10:00:00Z');
const replenishment = (over: Partial<Replenishment> = {}): Replenishment => ({
  id: '00000000-0000-4000-8000-000000000001',
  productId: 'p-1',
  supplier: 'acme',
  status: 'ORDERED',
  open: true,
  ordered: 10,
  received: 0,
  stocked: 0,
  supplierOrderId: 'po-1',
  placedAt: at,
  awaiting: null,
  attention: null,
  attentionStep: null,
  placementUncertain: false,
  createdAt: at,
  updatedAt: at,
  ...over,
});

describe('planOpening', () => {
  const cases: [string, StockLevel, ReturnType<typeof planOpening>][] = [
    ['at the threshold is not low', level(10, 5, 5), { open: false, why: 'not low' }],
    ['threshold 0 is never low', level(0, 0, 0), { open: false, why: 'not low' }],
    // available 4, threshold 5: order 2 × 5 − 4 = 6, back to twice the threshold
    ['below the threshold orders up to twice it', level(10, 6, 5), { open: true, ordered: 6 }],
    ['nothing available orders twice the threshold', level(3, 3, 5), { open: true, ordered: 10 }],
    [
      'capped so on hand stays within bounds',
      level(MAX_STOCK_UNITS - 2, MAX_STOCK_UNITS - 2, 5),
      { open: true, ordered: 2 },
    ],
    [
      'no room left on hand opens nothing',
      level(MAX_STOCK_UNITS, MAX_STOCK_UNITS, 5),
      { open: false, why: 'no room' },
    ],
  ];
  for (const [name, l, expected] of cases)
    it(name, () => assert.deepEqual(planOpening(l), expected));
});

describe('the steps of a replenishment', () => {
  it('placing is idempotent: an ordered one answers its order; a closed unordered one refuses', () => {
    const ordering = replenishment({ status: 'ORDERING', supplierOrderId: null, placedAt: null });
    assert.deepEqual(judgePlacement(ordering), { kind: 'place' });
    assert.deepEqual(judgePlacement(replenishment()), { kind: 'placed', supplierOrderId: 'po-1' });
    assert.equal(judgePlacement({ ...ordering, open: false }).kind, 'refused');
    const done = placed(
      { ...ordering, attention: 'supplier refused', attentionStep: 'place-purchase-order' },
      { supplier: 'other', supplierOrderId: 'po-9', placedAt: at },
    );
    assert.deepEqual(
      [done.status, done.supplier, done.supplierOrderId, done.attention, done.attentionStep],
      ['ORDERED', 'other', 'po-9', null, null],
    );
  });

  it('a placement goes to the product’s supplier of now, unless a call to its own went unanswered', () => {
    const fresh = replenishment({ supplierOrderId: null, status: 'ORDERING' });
    assert.equal(placementSupplier(fresh, 'other'), 'other');
    assert.equal(placementSupplier(fresh, undefined), 'acme');
    // The supplier may hold the order under this key: never a second supplier.
    assert.equal(placementSupplier({ ...fresh, placementUncertain: true }, 'other'), 'acme');
    const ordered = placed(
      { ...fresh, placementUncertain: true },
      { supplier: 'acme', supplierOrderId: 'po-9', placedAt: at },
    );
    assert.equal(ordered.placementUncertain, false);
  });

  it('an await answers when goods wait to be stocked or nothing is expected, else waits', () => {
    const cases: [string, Partial<Replenishment>, ReturnType<typeof judgeAwait>['kind']][] = [
      ['nothing arrived', {}, 'wait'],
      ['received, not stocked', { received: 6 }, 'answer'],
      ['partly stocked, rest outstanding', { received: 6, stocked: 6 }, 'wait'],
      ['all received and stocked', { received: 10, stocked: 10 }, 'answer'],
      ['more than ordered', { received: 12, stocked: 12 }, 'answer'],
      ['closed short', { received: 6, stocked: 6, open: false }, 'answer'],
      ['no purchase order yet', { supplierOrderId: null, status: 'ORDERING' }, 'refused'],
    ];
    for (const [name, over, kind] of cases)
      assert.equal(judgeAwait(replenishment(over)).kind, kind, name);
  });

  it('stocking takes every received, unstocked unit once and sets the status by what is stocked', () => {
    const partial = planStocking(replenishment({ received: 6 }));
    assert.equal(partial.units, 6);
    assert.deepEqual([partial.next.stocked, partial.next.status], [6, 'PARTIALLY_RECEIVED']);
    const again = planStocking(partial.next);
    assert.equal(again.units, 0);
    assert.equal(again.next, partial.next);
    const rest = planStocking({ ...partial.next, received: 10 });
    assert.deepEqual([rest.units, rest.next.stocked, rest.next.status], [4, 10, 'RECEIVED']);
  });

  it('closing is RECEIVED when all came, SHORT_CLOSED otherwise, and leaves nothing outstanding', () => {
    const full = closed(replenishment({ received: 10, stocked: 10, status: 'RECEIVED' }));
    assert.deepEqual([full.open, full.status], [false, 'RECEIVED']);
    const short = closed(
      replenishment({ received: 6, stocked: 6, awaiting: { sagaId: 's', step: 3 } }),
    );
    assert.deepEqual([short.open, short.status, short.awaiting], [false, 'SHORT_CLOSED', null]);
    assert.deepEqual(progressOf(short), { ordered: 10, received: 6, stocked: 6, outstanding: 0 });
    assert.equal(closed(short), short);
    assert.equal(progressOf(replenishment({ received: 6 })).outstanding, 4);
  });

  it('only a parked replenishment can be retried', () => {
    assert.match(retryProblem(replenishment()) ?? '', /is not parked/);
    assert.equal(retryProblem(replenishment({ attention: 'refused' })), undefined);
  });
});
