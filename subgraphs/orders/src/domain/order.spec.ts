import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newOrderNumber, orderTotalCents, orderTotals } from './order.js';
import { luhnValid, normaliseCardNumber } from './payment.js';

describe('order totals', () => {
  it('sums quantity times unit price in cents', () => {
    const lines = [
      { productId: 'a', quantity: 2, unitPriceCents: 1999 },
      { productId: 'b', quantity: 1, unitPriceCents: 500 },
    ];
    assert.equal(orderTotalCents(lines), 4498);
    assert.equal(orderTotalCents([]), 0);
    assert.deepEqual(orderTotals(lines), {
      subtotalCents: 4498,
      discountCents: 0,
      shippingCents: 0,
      creditCents: 0,
      totalCents: 4498,
    });
  });
});

describe('order number', () => {
  it('is two groups of five unambiguous characters', () => {
    assert.match(newOrderNumber(), /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    assert.equal(newOrderNumber(new Uint8Array(10)), '00000-00000');
  });
});

describe('card numbers', () => {
  it('accepts Luhn-valid numbers with spaces or dashes', () => {
    assert.equal(normaliseCardNumber('4242 4242 4242 4242'), '4242424242424242');
    assert.equal(normaliseCardNumber('4000-0000-0000-0002'), '4000000000000002');
    assert.equal(luhnValid('4242424242424241'), false);
    assert.equal(normaliseCardNumber('4242'), undefined);
    assert.equal(normaliseCardNumber('abcd abcd abcd abcd'), undefined);
  });
});
