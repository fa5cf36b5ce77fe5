import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAdjustment, stockChangeEvents, type StockLevel } from './stock.js';

const level = (onHand: number, reserved: number, lowStockThreshold = 0): StockLevel => ({
  productId: 'p-1',
  onHand,
  reserved,
  lowStockThreshold,
});

describe('stockChangeEvents', () => {
  const cases: [string, StockLevel, StockLevel, { changed: boolean; becameLow: boolean }][] = [
    [
      'reserve above the threshold',
      level(50, 0, 5),
      level(50, 1, 5),
      { changed: true, becameLow: false },
    ],
    [
      'reserve onto the threshold (5 is not below 5)',
      level(10, 4, 5),
      level(10, 5, 5),
      { changed: true, becameLow: false },
    ],
    [
      'reserve across the threshold',
      level(10, 5, 5),
      level(10, 6, 5),
      { changed: true, becameLow: true },
    ],
    [
      'reserve while already low',
      level(10, 6, 5),
      level(10, 7, 5),
      { changed: true, becameLow: false },
    ],
    ['release back above', level(10, 7, 5), level(10, 2, 5), { changed: true, becameLow: false }],
    [
      'commit keeps available',
      level(10, 7, 5),
      level(7, 4, 5),
      { changed: true, becameLow: false },
    ],
    [
      'threshold raised over available',
      level(10, 0, 5),
      level(10, 0, 11),
      { changed: false, becameLow: true },
    ],
    [
      'threshold 0 is never low',
      level(1, 0, 0),
      level(1, 1, 0),
      { changed: true, becameLow: false },
    ],
  ];
  for (const [name, before, after, expected] of cases)
    it(name, () => assert.deepEqual(stockChangeEvents(before, after), expected));
});

describe('planAdjustment', () => {
  const fields = (plan: ReturnType<typeof planAdjustment>): string[] =>
    plan.ok ? [] : plan.problems.map((p) => p.field);

  it('sets, adds and writes off stock, and changes the threshold alone', () => {
    assert.deepEqual(planAdjustment(level(5, 2), { productId: 'p-1', setOnHand: 9 }), {
      ok: true,
      next: level(9, 2),
    });
    assert.deepEqual(planAdjustment(level(5, 2), { productId: 'p-1', addOnHand: -3 }), {
      ok: true,
      next: level(2, 2),
    });
    assert.deepEqual(planAdjustment(level(5, 2, 1), { productId: 'p-1', lowStockThreshold: 4 }), {
      ok: true,
      next: level(5, 2, 4),
    });
  });

  it('refuses to go below what orders hold, naming the field and the figures', () => {
    const set = planAdjustment(level(5, 3), { productId: 'p-1', setOnHand: 2 });
    assert.deepEqual(set, {
      ok: false,
      problems: [
        { field: 'setOnHand', message: 'would leave 2 on hand, below the 3 reserved for orders' },
      ],
    });
    assert.deepEqual(fields(planAdjustment(level(5, 3), { productId: 'p-1', addOnHand: -3 })), [
      'addOnHand',
    ]);
  });

  it('names every bad field of the input', () => {
    assert.deepEqual(
      fields(
        planAdjustment(level(0, 0), {
          productId: 'bad id',
          setOnHand: -1,
          addOnHand: 2,
          lowStockThreshold: 1.5,
        }),
      ),
      ['productId', 'addOnHand', 'setOnHand', 'lowStockThreshold'],
    );
    assert.deepEqual(fields(planAdjustment(level(0, 0), { productId: 'p-1' })), ['setOnHand']);
    assert.deepEqual(fields(planAdjustment(level(0, 0), { productId: 'p-1', addOnHand: 0 })), [
      'addOnHand',
    ]);
  });

  it('takes a supplier alone, keeps what else the level carries, and checks the name', () => {
    const supplied = { ...level(5, 2), supplier: 'acme' };
    assert.deepEqual(planAdjustment(supplied, { productId: 'p-1', supplier: 'sim-partial' }), {
      ok: true,
      next: supplied,
    });
    for (const bad of ['', 'has space', 'x'.repeat(65), 'ünïcode'])
      assert.deepEqual(fields(planAdjustment(supplied, { productId: 'p-1', supplier: bad })), [
        'supplier',
      ]);
    assert.deepEqual(
      fields(planAdjustment(supplied, { productId: 'p-1', supplier: 'a.B_9-x'.padEnd(64, 'z') })),
      [],
    );
  });
});
