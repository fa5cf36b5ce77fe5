import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_RETRY_POLICY } from './retry-policy.js';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const max = (a: number): number => backoffDelay(a, DEFAULT_RETRY_POLICY, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map(max), [100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('jitters between half and all of the delay', () => {
    assert.equal(
      backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0),
      200,
    );
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3);
      assert.ok(d >= 200 && d <= 400, String(d));
    }
  });
});
