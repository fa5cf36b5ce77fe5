import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCouponCode, randomCouponCodes } from './coupon-codes.js';

describe('randomCouponCodes', () => {
  it('draws 16 Crockford base32 characters in four groups, all distinct over 10,000 draws', () => {
    const codes = Array.from({ length: 10_000 }, () => randomCouponCodes.next());
    for (const c of codes) assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.equal(new Set(codes).size, codes.length);
  });
  it('a typed code is found however it is spaced or cased', () => {
    assert.equal(normalizeCouponCode(' abcd efgh-jkmn pqrs '), 'ABCD-EFGH-JKMN-PQRS');
    assert.equal(normalizeCouponCode('short'), 'SHORT');
  });
});
