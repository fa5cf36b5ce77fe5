import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMinorUnits } from './money.js';

describe('formatMinorUnits', () => {
  const cases: [number, string, string, string][] = [
    [1999, 'USD', 'en-US', '$19.99'],
    [5, 'USD', 'en-US', '$0.05'],
    [0, 'EUR', 'en-US', '€0.00'],
    [123456, 'EUR', 'de-DE', '1.234,56\u00a0€'],
    [1999, 'JPY', 'en-US', '¥1,999'],
    [1234, 'BHD', 'en-US', 'BHD\u00a01.234'],
    // 2^53 - 1 cents: a float division would print ...740,991.00 or round the last digit.
    [9007199254740991, 'USD', 'en-US', '$90,071,992,547,409.91'],
  ];
  for (const [minor, currency, locale, expected] of cases)
    it(`${minor} ${currency} in ${locale} → ${expected}`, () => {
      assert.equal(formatMinorUnits(minor, currency, locale), expected);
    });

  it('refuses a fractional amount', () => {
    assert.throws(() => formatMinorUnits(19.99, 'USD', 'en-US'), RangeError);
  });
});
