import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderTotalCents } from './order.js';

describe('orderTotalCents', () => {
  it('sums quantity times unit price in cents', () => {
    assert.equal(
      orderTotalCents([
        { productId: 'a', quantity: 2, unitPriceCents: 1999 },
        { productId: 'b', quantity: 1, unitPriceCents: 500 },
      ]),
      4498,
    );
    assert.equal(orderTotalCents([]), 0);
  });
});
