import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { productProblems } from './product.js';

describe('productProblems', () => {
  it('accepts a valid product and names each bad field', () => {
    assert.deepEqual(
      productProblems({ id: 'lamp-1', title: 'Lamp', description: '', priceCents: 1999 }),
      [],
    );
    assert.deepEqual(
      productProblems({ id: 'a b', title: ' ', description: '', priceCents: -1 }).map(
        (p) => p.field,
      ),
      ['id', 'title', 'priceCents'],
    );
  });
});
