import { newProduct, type Product } from '../domain/product.js';

/*
 * Synthetic products for scale runs: titles combine a brand, adjectives, a colour or material
 * and the noun of a sample sub-category, so the text looks like the sample's and relevance,
 * facets and typo handling behave alike. Deterministic for a given seed and count.
 */

const ADJECTIVES = [
  'Deluxe',
  'Compact',
  'Ergonomic',
  'Heavy-Duty',
  'Classic',
  'Modern',
  'Portable',
  'Premium',
  'Slim',
  'Stackable',
  'Adjustable',
  'Wireless',
  'Recycled',
  'Executive',
  'Mini',
];
const COLOURS = [
  'Black',
  'White',
  'Blue',
  'Red',
  'Gray',
  'Green',
  'Silver',
  'Oak',
  'Walnut',
  'Steel',
];

/** A small, fast, seedable PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` synthetic products with ids `syn-0000001`..., modelled on `sample` (its brands,
 * categories and price ranges per sub-category).
 */
export function* syntheticProducts(
  sample: readonly Product[],
  count: number,
  seed = 42,
): Generator<Product> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const brands = [...new Set(sample.flatMap((p) => (p.brand === null ? [] : [p.brand])))];
  const bySub = new Map<string, { path: readonly string[]; prices: number[] }>();
  for (const p of sample) {
    const key = p.categoryPath.join('>');
    let e = bySub.get(key);
    if (e === undefined) bySub.set(key, (e = { path: p.categoryPath, prices: [] }));
    e.prices.push(p.priceCents);
  }
  const subs = [...bySub.values()];
  const epoch = Date.UTC(2024, 0, 1);
  for (let i = 1; i <= count; i++) {
    const sub = pick(subs);
    const noun = sub.path[sub.path.length - 1] ?? 'Item';
    const brand = pick(brands);
    const colour = pick(COLOURS);
    const title = `${brand} ${pick(ADJECTIVES)} ${colour} ${noun.replace(/s$/, '')} ${100 + Math.floor(rnd() * 900)}`;
    const lo = Math.min(...sub.prices);
    const hi = Math.max(...sub.prices);
    const id = `syn-${String(i).padStart(7, '0')}`;
    yield newProduct(
      {
        id,
        sku: id.toUpperCase(),
        title,
        description: `${title}: a ${noun.toLowerCase()} in ${colour.toLowerCase()} by ${brand}.`,
        brand,
        categoryPath: [...sub.path],
        attributes: { type: noun.toLowerCase(), color: colour.toLowerCase() },
        priceCents: Math.max(1, Math.round(lo + rnd() * (hi - lo))),
        currency: 'USD',
        rating: Math.round((1 + rnd() * 4) * 10) / 10,
      },
      new Date(epoch + Math.floor(rnd() * 365 * 86_400_000)),
    );
  }
}
