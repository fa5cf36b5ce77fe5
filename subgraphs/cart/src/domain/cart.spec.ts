import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addLine,
  MAX_LINES,
  mergeCarts,
  priceCart,
  removeLine,
  setLineQuantity,
  type ProductFacts,
} from './cart.js';

/** `[id, price, available]`, or `[id, price, available, false]` for an archived product. */
const facts = (
  entries: ([string, number, number] | [string, number, number, boolean])[],
): Map<string, ProductFacts> =>
  new Map(
    entries.map(([id, price, available, offered = true]) => [
      id,
      { title: id, priceCents: price, availableQuantity: available, offered },
    ]),
  );

describe('addLine, setLineQuantity, removeLine', () => {
  it('adds a new line and merges an existing one', () => {
    const one = addLine([], 'p1', 2);
    assert.deepEqual(one, [{ productId: 'p1', quantity: 2 }]);
    assert.deepEqual(addLine(one as never, 'p1', 3), [{ productId: 'p1', quantity: 5 }]);
  });
  it('refuses zero, negative, fractional and excessive quantities', () => {
    for (const q of [0, -1, 1.5, 100, Number.NaN]) {
      assert.equal((addLine([], 'p1', q) as { field: string }).field, 'quantity');
      assert.equal(
        (setLineQuantity([{ productId: 'p1', quantity: 1 }], 'p1', q) as { field: string }).field,
        'quantity',
      );
    }
    assert.equal(
      (addLine([{ productId: 'p1', quantity: 98 }], 'p1', 2) as { field: string }).field,
      'quantity',
    );
    assert.equal((addLine([], ' ', 1) as { field: string }).field, 'productId');
  });
  it('sets only a line in the cart, and removes idempotently', () => {
    const lines = [{ productId: 'p1', quantity: 1 }];
    assert.deepEqual(setLineQuantity(lines, 'p1', 7), [{ productId: 'p1', quantity: 7 }]);
    assert.equal((setLineQuantity(lines, 'p2', 1) as { field: string }).field, 'productId');
    assert.deepEqual(removeLine(lines, 'p1'), []);
    assert.deepEqual(removeLine(lines, 'p2'), lines);
  });
});

describe('priceCart', () => {
  it('prices from catalog and flags what cannot be bought, keeping every line', () => {
    const cart = priceCart(
      [
        { productId: 'ok', quantity: 2 },
        { productId: 'gone', quantity: 1 },
        { productId: 'archived', quantity: 1 },
        { productId: 'none', quantity: 1 },
        { productId: 'few', quantity: 5 },
      ],
      facts([
        ['ok', 250, 10],
        ['archived', 400, 10, false],
        ['none', 100, 0],
        ['few', 300, 3],
      ]),
    );
    assert.deepEqual(
      cart.lines.map((l) => [l.productId, l.unitPriceCents, l.lineTotalCents, l.problem]),
      [
        ['ok', 250, 500, null],
        ['gone', null, 0, 'UNAVAILABLE'],
        ['archived', null, 0, 'UNAVAILABLE'],
        ['none', 100, 0, 'OUT_OF_STOCK'],
        ['few', 300, 0, 'INSUFFICIENT_STOCK'],
      ],
    );
    assert.equal(cart.lines[2]?.title, 'archived', 'an archived line keeps its title');
    assert.equal(cart.itemCount, 10);
    assert.equal(cart.subtotalCents, 500);
    assert.equal(cart.readyForCheckout, false);
    assert.equal(priceCart([], new Map()).readyForCheckout, false);
  });
});

describe('mergeCarts', () => {
  const table: {
    name: string;
    user: [string, number][];
    guest: [string, number][];
    facts: Parameters<typeof facts>[0];
    lines: [string, number][];
    merged: [string, number, number][];
    dropped: [string, string][];
  }[] = [
    {
      name: 'adds quantities of a product in both carts',
      user: [['a', 2]],
      guest: [
        ['a', 3],
        ['b', 1],
      ],
      facts: [
        ['a', 1, 50],
        ['b', 1, 50],
      ],
      lines: [
        ['a', 5],
        ['b', 1],
      ],
      merged: [
        ['a', 3, 3],
        ['b', 1, 1],
      ],
      dropped: [],
    },
    {
      name: 'caps the sum at what catalog has now',
      user: [['a', 2]],
      guest: [['a', 5]],
      facts: [['a', 1, 4]],
      lines: [['a', 4]],
      merged: [['a', 5, 2]],
      dropped: [],
    },
    {
      name: 'never lowers what the user already had',
      user: [['a', 6]],
      guest: [['a', 1]],
      facts: [['a', 1, 4]],
      lines: [['a', 6]],
      merged: [['a', 1, 0]],
      dropped: [],
    },
    {
      name: 'caps at the per-product maximum',
      user: [['a', 90]],
      guest: [['a', 20]],
      facts: [['a', 1, 500]],
      lines: [['a', 99]],
      merged: [['a', 20, 9]],
      dropped: [],
    },
    {
      name: 'drops archived and out-of-stock products with the reason',
      user: [],
      guest: [
        ['gone', 1],
        ['archived', 1],
        ['none', 2],
      ],
      facts: [
        ['archived', 1, 5, false],
        ['none', 1, 0],
      ],
      lines: [],
      merged: [],
      dropped: [
        ['gone', 'UNAVAILABLE'],
        ['archived', 'UNAVAILABLE'],
        ['none', 'OUT_OF_STOCK'],
      ],
    },
  ];
  for (const t of table)
    it(t.name, () => {
      const out = mergeCarts(
        t.user.map(([productId, quantity]) => ({ productId, quantity })),
        t.guest.map(([productId, quantity]) => ({ productId, quantity })),
        facts(t.facts),
      );
      assert.deepEqual(
        out.lines.map((l) => [l.productId, l.quantity]),
        t.lines,
      );
      assert.deepEqual(
        out.merged.map((m) => [m.productId, m.requested, m.quantity]),
        t.merged,
      );
      assert.deepEqual(
        out.dropped.map((d) => [d.productId, d.reason]),
        t.dropped,
      );
    });
  it('drops a new product once the cart is full', () => {
    const user = Array.from({ length: MAX_LINES }, (_, i) => ({ productId: `u${i}`, quantity: 1 }));
    const out = mergeCarts(user, [{ productId: 'x', quantity: 1 }], facts([['x', 1, 5]]));
    assert.deepEqual(out.dropped, [{ productId: 'x', quantity: 1, reason: 'CART_FULL' }]);
  });
});
