import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeOnFailure, resolverContainer } from './composition.js';

class A {}
class B {}
class Missing {}

describe('resolverContainer', () => {
  it('finds each instance by its class and refuses an unknown class', () => {
    const a = new A();
    const b = new B();
    const container = resolverContainer(a, b);
    const get = (cls: unknown): unknown => container.get(cls, {} as never);
    assert.equal(get(A), a);
    assert.equal(get(B), b);
    assert.throws(() => get(Missing), /no resolver instance for/);
  });
});

describe('closeOnFailure', () => {
  it('returns what start returns and closes nothing', async () => {
    let closed = 0;
    assert.equal(
      await closeOnFailure(
        async () => closed++,
        async () => 'app',
      ),
      'app',
    );
    assert.equal(closed, 0);
  });

  it('closes and rethrows when start fails', async () => {
    let closed = 0;
    await assert.rejects(
      closeOnFailure(
        async () => closed++,
        async () => {
          throw new Error('port in use');
        },
      ),
      /port in use/,
    );
    assert.equal(closed, 1);
  });
});
