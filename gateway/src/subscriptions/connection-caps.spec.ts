import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionCaps } from './connection-caps.js';

describe('ConnectionCaps', () => {
  it('grants up to the limit per key, refuses the next, and frees a slot on release', () => {
    const caps = new ConnectionCaps();
    assert.deepEqual(
      [1, 2, 3, 4].map(() => caps.tryAcquire('user:a', 3)),
      [true, true, true, false],
    );
    // Another key has its own slots.
    assert.equal(caps.tryAcquire('user:b', 3), true);
    caps.release('user:a');
    assert.equal(caps.held('user:a'), 2);
    assert.equal(caps.tryAcquire('user:a', 3), true);
    assert.equal(caps.tryAcquire('user:a', 3), false);
  });

  it('forgets a key whose last slot is released', () => {
    const caps = new ConnectionCaps();
    caps.tryAcquire('ip:1.2.3.4', 1);
    caps.release('ip:1.2.3.4');
    assert.equal(caps.held('ip:1.2.3.4'), 0);
    assert.equal(caps.tryAcquire('ip:1.2.3.4', 1), true);
  });
});
