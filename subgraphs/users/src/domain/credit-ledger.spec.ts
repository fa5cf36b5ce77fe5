import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeDebit, revocableCents } from './credit-ledger.js';

describe('judgeDebit', () => {
  const cases: [number, number, ReturnType<typeof judgeDebit>][] = [
    [1000, 150, { ok: true, balanceAfterCents: 850 }],
    [150, 150, { ok: true, balanceAfterCents: 0 }],
    [100, 150, { ok: false, reason: 'not enough credit: 150 wanted, 100 available' }],
    [100, 0, { ok: false, reason: 'the amount must be a positive whole number of cents' }],
    [100, 1.5, { ok: false, reason: 'the amount must be a positive whole number of cents' }],
  ];
  for (const [balance, amount, expected] of cases)
    it(`${amount} from ${balance}`, () => assert.deepEqual(judgeDebit(balance, amount), expected));
});

describe('revocableCents', () => {
  it('takes the whole grant back when the balance holds it', () =>
    assert.deepEqual(revocableCents(900, 500), { amountCents: 500, shortfallCents: 0 }));
  it('takes what is left when part was spent, never below zero', () =>
    assert.deepEqual(revocableCents(200, 500), { amountCents: 200, shortfallCents: 300 }));
  it('takes nothing from an empty balance', () =>
    assert.deepEqual(revocableCents(0, 500), { amountCents: 0, shortfallCents: 500 }));
});
