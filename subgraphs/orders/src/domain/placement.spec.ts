import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalInput, judgePlacement } from './placement.js';

describe('judgePlacement', () => {
  it('a new key places an order', () => {
    assert.deepEqual(judgePlacement(undefined, 'f1'), { kind: 'new' });
  });
  it('the same key and input return the first order', () => {
    assert.deepEqual(judgePlacement({ orderId: 'o1', fingerprint: 'f1' }, 'f1'), {
      kind: 'replay',
      orderId: 'o1',
    });
  });
  it('the same key with another input is a conflict', () => {
    assert.deepEqual(judgePlacement({ orderId: 'o1', fingerprint: 'f1' }, 'f2'), {
      kind: 'conflict',
      orderId: 'o1',
    });
  });
});

describe('canonicalInput', () => {
  it('ignores key order and undefined fields', () => {
    assert.equal(
      canonicalInput({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }),
      canonicalInput({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });
  it('tells different values apart', () => {
    assert.notEqual(canonicalInput({ a: '1' }), canonicalInput({ a: 1 }));
    assert.notEqual(canonicalInput({ a: [1, 2] }), canonicalInput({ a: [2, 1] }));
  });
});
