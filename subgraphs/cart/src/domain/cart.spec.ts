import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addLine } from './cart.js';

describe('addLine', () => {
  it('adds a new line and merges an existing one', () => {
    const one = addLine([], 'p1', 2);
    assert.deepEqual(one, [{ productId: 'p1', quantity: 2 }]);
    assert.deepEqual(addLine(one as never, 'p1', 3), [{ productId: 'p1', quantity: 5 }]);
  });
  it('refuses zero, negative, fractional and excessive quantities', () => {
    for (const q of [0, -1, 1.5, 100])
      assert.equal((addLine([], 'p1', q) as { field: string }).field, 'quantity');
    assert.equal(
      (addLine([{ productId: 'p1', quantity: 98 }], 'p1', 2) as { field: string }).field,
      'quantity',
    );
  });
});
