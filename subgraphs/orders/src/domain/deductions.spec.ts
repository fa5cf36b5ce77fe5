import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDeductions, MAX_CREDIT_CENTS, parseDeductions } from './deductions.js';

describe('applyDeductions', () => {
  const rows: {
    name: string;
    input: Parameters<typeof applyDeductions>[0];
    expect: Partial<ReturnType<typeof applyDeductions>>;
  }[] = [
    {
      name: 'nothing applied leaves the total at subtotal + shipping',
      input: {
        subtotalCents: 5000,
        shippingCents: 500,
        offeredDiscountCents: 0,
        creditRequestedCents: 0,
      },
      expect: { discountCents: 0, creditCents: 0, totalCents: 5500 },
    },
    {
      name: 'coupon then credit: total = subtotal − discount + shipping − credit',
      input: {
        subtotalCents: 5000,
        shippingCents: 0,
        offeredDiscountCents: 1000,
        creditRequestedCents: 700,
      },
      expect: { discountCents: 1000, creditCents: 700, totalCents: 3300 },
    },
    {
      name: 'a discount above the subtotal is capped at the subtotal (shipping still due)',
      input: {
        subtotalCents: 800,
        shippingCents: 300,
        offeredDiscountCents: 1000,
        creditRequestedCents: 0,
      },
      expect: { discountCents: 800, creditCents: 0, totalCents: 300 },
    },
    {
      name: 'more credit than is due applies only what is due: total 0, never negative',
      input: {
        subtotalCents: 5000,
        shippingCents: 0,
        offeredDiscountCents: 1000,
        creditRequestedCents: 9000,
      },
      expect: { discountCents: 1000, creditCents: 4000, totalCents: 0 },
    },
    {
      name: 'credit alone can pay the whole order',
      input: {
        subtotalCents: 2500,
        shippingCents: 0,
        offeredDiscountCents: 0,
        creditRequestedCents: 2500,
      },
      expect: { creditCents: 2500, totalCents: 0 },
    },
    {
      name: 'a 100 % coupon leaves no room for credit',
      input: {
        subtotalCents: 2500,
        shippingCents: 0,
        offeredDiscountCents: 2500,
        creditRequestedCents: 100,
      },
      expect: { discountCents: 2500, creditCents: 0, totalCents: 0 },
    },
    {
      name: 'negative or fractional figures never raise the deductions',
      input: {
        subtotalCents: 1000,
        shippingCents: 0,
        offeredDiscountCents: -50,
        creditRequestedCents: 10.9,
      },
      expect: { discountCents: 0, creditCents: 10, totalCents: 990 },
    },
  ];
  for (const row of rows)
    it(row.name, () => {
      const got = applyDeductions(row.input);
      for (const [k, v] of Object.entries(row.expect))
        assert.equal(got[k as keyof typeof got], v, k);
      assert.equal(
        got.totalCents,
        got.subtotalCents - got.discountCents + got.shippingCents - got.creditCents,
      );
      assert.ok(got.totalCents >= 0);
    });
});

describe('parseDeductions', () => {
  it('takes none when both are absent or null', () => {
    assert.deepEqual(parseDeductions({}), { ok: true, request: { creditRequestedCents: 0 } });
    assert.deepEqual(parseDeductions({ couponCode: null, creditCents: null }), {
      ok: true,
      request: { creditRequestedCents: 0 },
    });
  });
  it('normalises the code to upper case without surrounding spaces', () => {
    assert.deepEqual(parseDeductions({ couponCode: ' abcd-efgh ', creditCents: 250 }), {
      ok: true,
      request: { couponCode: 'ABCD-EFGH', creditRequestedCents: 250 },
    });
  });
  const bad: [string, Parameters<typeof parseDeductions>[0], RegExp][] = [
    ['an empty code', { couponCode: '  ' }, /couponCode: is empty/],
    ['a code with symbols', { couponCode: 'ABC;DROP' }, /couponCode: must be a coupon code/],
    ['a code too long', { couponCode: 'A'.repeat(65) }, /couponCode: must be a coupon code/],
    ['negative credit', { creditCents: -1 }, /creditCents: must be a whole number/],
    ['fractional credit', { creditCents: 1.5 }, /creditCents: must be a whole number/],
    ['credit above the bound', { creditCents: MAX_CREDIT_CENTS + 1 }, /creditCents: must be/],
  ];
  for (const [name, input, message] of bad)
    it(`refuses ${name}`, () => {
      const r = parseDeductions(input);
      assert.equal(r.ok, false);
      if (!r.ok)
        assert.match(r.problems.map((p) => `${p.field}: ${p.message}`).join('; '), message);
    });
});
