import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { couponDiscountCents, couponProblems, describeCoupon, judgeRedemption } from './coupon.js';
import type { CouponState, RedemptionRequest } from './coupon.js';

const now = new Date('2026-12-01T12:00:00Z');
const coupon: CouponState = {
  userId: 'u-1',
  discount: { kind: 'PERCENT', percentOff: 10 },
  minOrderCents: 2000,
  expiresAt: new Date('2026-12-31T00:00:00Z'),
  status: 'ACTIVE',
  redeemedOrderId: null,
};
const req: RedemptionRequest = {
  userId: 'u-1',
  orderId: 'o-1',
  subtotalCents: 4999,
  currency: 'USD',
  now,
};

describe('couponDiscountCents', () => {
  const cases: [string, CouponState['discount'], number, number][] = [
    ['percent rounds down', { kind: 'PERCENT', percentOff: 10 }, 4999, 499],
    ['100% is the subtotal', { kind: 'PERCENT', percentOff: 100 }, 1234, 1234],
    ['amount', { kind: 'AMOUNT', amountOffCents: 500, currency: 'USD' }, 4999, 500],
    [
      'amount never above the subtotal',
      { kind: 'AMOUNT', amountOffCents: 500, currency: 'USD' },
      300,
      300,
    ],
  ];
  for (const [name, discount, subtotal, expected] of cases)
    it(name, () => assert.equal(couponDiscountCents(discount, subtotal), expected));
});

describe('judgeRedemption', () => {
  const cases: [
    string,
    Partial<CouponState>,
    Partial<RedemptionRequest>,
    ReturnType<typeof judgeRedemption>,
  ][] = [
    ['an active coupon of the user', {}, {}, { verdict: 'redeem', discountCents: 499 }],
    [
      'someone else’s reads as unknown',
      { userId: 'u-2' },
      {},
      { verdict: 'refused', reason: 'unknown coupon code' },
    ],
    [
      'used by another order',
      { status: 'REDEEMED', redeemedOrderId: 'o-0' },
      {},
      { verdict: 'refused', reason: 'this coupon has already been used' },
    ],
    [
      'used by this order: a repeat',
      { status: 'REDEEMED', redeemedOrderId: 'o-1' },
      {},
      { verdict: 'already-redeemed-by-order', discountCents: 499 },
    ],
    [
      'revoked',
      { status: 'REVOKED' },
      {},
      { verdict: 'refused', reason: 'this coupon was revoked' },
    ],
    [
      'expired at this very moment',
      { expiresAt: now },
      {},
      { verdict: 'refused', reason: 'this coupon has expired' },
    ],
    [
      'below the minimum',
      {},
      { subtotalCents: 1999 },
      {
        verdict: 'refused',
        reason: 'this coupon needs an order of at least 2000 (the order is 1999)',
      },
    ],
    [
      'an amount coupon in another currency',
      { discount: { kind: 'AMOUNT', amountOffCents: 500, currency: 'EUR' } },
      {},
      { verdict: 'refused', reason: 'this coupon is in EUR, the order in USD' },
    ],
  ];
  for (const [name, c, r, expected] of cases)
    it(name, () =>
      assert.deepEqual(judgeRedemption({ ...coupon, ...c }, { ...req, ...r }), expected),
    );
});

describe('describeCoupon and couponProblems', () => {
  const money = (c: number) => `$${(c / 100).toFixed(2)}`;
  it('words the discount as a customer reads it', () => {
    assert.equal(
      describeCoupon({ kind: 'PERCENT', percentOff: 15 }, 3000, money),
      '15% off an order of $30.00 or more',
    );
    assert.equal(
      describeCoupon({ kind: 'AMOUNT', amountOffCents: 500, currency: 'USD' }, 0, money),
      '$5.00 off your next order',
    );
  });
  it('names every bad field', () => {
    const problems = couponProblems({
      discount: { kind: 'PERCENT', percentOff: 101 },
      minOrderCents: 1.5,
      expiresAt: now,
      now,
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      ['percentOff', 'minOrderCents', 'expiresAt'],
    );
  });
});
