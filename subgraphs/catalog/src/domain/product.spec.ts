import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newProduct, productProblems } from './product.js';

const valid = { id: 'lamp-1', sku: 'LMP-1', title: 'Lamp', priceCents: 1999 };

describe('productProblems', () => {
  it('accepts a valid draft', () => {
    assert.deepEqual(productProblems(valid), []);
  });

  it('names each bad field once, in field order', () => {
    const fields = productProblems({
      id: 'a b',
      sku: '',
      title: ' ',
      description: 'x'.repeat(5001),
      brand: '',
      categoryPath: ['Furniture', 'A > B'],
      attributes: { Colour: 'red' },
      priceCents: 1.5,
      currency: 'usd',
      images: ['ftp://x'],
      rating: 6,
    }).map((p) => p.field);
    assert.deepEqual(fields, [
      'id',
      'sku',
      'title',
      'description',
      'brand',
      'categoryPath',
      'attributes',
      'priceCents',
      'currency',
      'images',
      'rating',
    ]);
  });

  it('lets a patch leave required fields out but still checks the ones it gives', () => {
    assert.deepEqual(productProblems({ priceCents: 500 }, true), []);
    assert.deepEqual(
      productProblems({ priceCents: -1 }, true).map((p) => p.field),
      ['priceCents'],
    );
    assert.deepEqual(
      productProblems({ priceCents: 500 }).map((p) => p.field),
      ['id', 'sku', 'title'],
    );
  });
});

describe('newProduct', () => {
  it('fills defaults and trims text', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const p = newProduct({ ...valid, title: ' Lamp ', brand: ' Acme ', rating: 4.26 }, now);
    assert.equal(p.title, 'Lamp');
    assert.equal(p.brand, 'Acme');
    assert.equal(p.currency, 'USD');
    assert.equal(p.rating, 4.3);
    assert.equal(p.status, 'ACTIVE');
    assert.equal(p.revision, 1);
  });
});
