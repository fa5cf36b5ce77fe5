import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import type { CatalogApp } from '../src/index.js';
import { ProductsRepository } from '../src/persistence/products.repository.js';
import { loadSampleCatalog } from '../src/seed/load-sample.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

interface Hit {
  product: {
    id: string;
    title: string;
    brand: string | null;
    categoryPath: string[];
    priceCents: number;
    rating: number | null;
    createdAt: string;
  };
  highlightedTitle: string | null;
}
interface Facet {
  value: string;
  count: number;
}
interface Result {
  total: number;
  hits: Hit[];
  facets: { categories: Facet[]; brands: Facet[]; prices: { key: string; count: number }[] };
  didYouMean: string | null;
}

const SEARCH = `query ($q: String, $f: SearchFilters, $s: SearchSort, $p: Int, $n: Int) {
  search(query: $q, filters: $f, sort: $s, page: $p, pageSize: $n) {
    total didYouMean
    hits { highlightedTitle product { id title brand categoryPath priceCents rating createdAt } }
    facets { categories { value count } brands { value count } prices { key count } }
  }
}`;

const sub = (h: Hit): string => h.product.categoryPath[1] ?? '';
const titled = (re: RegExp) => (h: Hit) => re.test(h.product.title);

/**
 * The relevance set: each query with what makes a hit relevant. Kinds: misspellings, plurals and
 * singulars, partial words, brand names, two-word phrases.
 */
const RELEVANCE: { query: string; kind: string; relevant: (h: Hit) => boolean }[] = [
  { query: 'bokcase', kind: 'misspelling', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'chiar', kind: 'misspelling', relevant: (h) => sub(h) === 'Chairs' },
  { query: 'tabels', kind: 'misspelling', relevant: (h) => sub(h) === 'Tables' },
  { query: 'envelops', kind: 'misspelling', relevant: (h) => sub(h) === 'Envelopes' },
  { query: 'bookcases', kind: 'plural', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'bookcase', kind: 'singular', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'label', kind: 'singular', relevant: (h) => sub(h) === 'Labels' },
  { query: 'phones', kind: 'plural', relevant: (h) => sub(h) === 'Phones' },
  { query: 'bookc', kind: 'partial', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'binde', kind: 'partial', relevant: (h) => sub(h) === 'Binders' },
  { query: 'stapl', kind: 'partial', relevant: titled(/stapl/i) },
  { query: 'xerox', kind: 'brand', relevant: (h) => h.product.brand === 'Xerox' },
  { query: 'logitech', kind: 'brand', relevant: (h) => h.product.brand === 'Logitech' },
  { query: 'avery', kind: 'brand', relevant: (h) => h.product.brand === 'Avery' },
  { query: 'office chair', kind: 'phrase', relevant: (h) => sub(h) === 'Chairs' },
  {
    query: 'samsung phone',
    kind: 'phrase',
    relevant: (h) => /samsung/i.test(h.product.title) && sub(h) === 'Phones',
  },
  { query: 'wireless mouse', kind: 'phrase', relevant: titled(/wireless.*mouse|mouse.*wireless/i) },
  { query: 'conference table', kind: 'phrase', relevant: (h) => sub(h) === 'Tables' },
];

/**
 * Queries in words the catalog's titles do not use, answered through SHOP_SYNONYMS. Measured on
 * the same documents with and without the synonym list, beside the relevance set above.
 */
const SYNONYM_SET: typeof RELEVANCE = [
  { query: 'bookshelf', kind: 'synonym', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'bookshelves', kind: 'synonym', relevant: (h) => sub(h) === 'Bookcases' },
  { query: 'smartphone', kind: 'synonym', relevant: (h) => sub(h) === 'Phones' },
  { query: 'cell phones', kind: 'synonym', relevant: (h) => sub(h) === 'Phones' },
  { query: 'headphones', kind: 'synonym', relevant: titled(/headset/i) },
  { query: 'thumb drive', kind: 'synonym', relevant: titled(/flash drive/i) },
  { query: 'photocopier', kind: 'synonym', relevant: (h) => sub(h) === 'Copiers' },
  { query: 'paperclips', kind: 'synonym', relevant: titled(/paper clip/i) },
  { query: 'pushpins', kind: 'synonym', relevant: titled(/push pin/i) },
];

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('catalog');

describe('product search on the sample catalog (loaded as `npm start` does when empty)', () => {
  const stack = new TestStack('search');
  let env: Record<string, string>;
  let app: CatalogApp;
  let url: string;
  let anyone: string;
  let admin: string;

  const search = async (vars: Record<string, unknown>): Promise<Result> => {
    const res = await gql<{ search: Result }>(url, SEARCH, vars, anyone);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.search;
  };

  // A proof is refused once issued more than 35 s ago: each test gets fresh ones.
  beforeEach(async () => {
    anyone = await mintProof();
    admin = await mintProof({ sub: 'a1', roles: ['admin'] });
  });

  before(async () => {
    // What `npm start` does in development on an empty catalog: load the sample and index it.
    env = await catalogEnv(stack, 'search', {
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      SEED_SAMPLE_WHEN_EMPTY: 'auto',
      NODE_ENV: 'development',
      // A generous deadline: the machine running the suite may be busy; no test asserts on time.
      SEARCH_TIMEOUT_MS: '30000',
    });
    app = await startTestCatalog(env);
    url = app.http.url;
    anyone = await mintProof();
    admin = await mintProof({ sub: 'a1', roles: ['admin'] });
  });
  after(async () => {
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  it('ranks relevant products in the top 5 of the relevance set (precision@5 printed)', async () => {
    const lines: string[] = [];
    let sum = 0;
    for (const { query, kind, relevant } of RELEVANCE) {
      const r = await search({ q: query, n: 5 });
      const p5 = r.hits.filter(relevant).length / 5;
      sum += p5;
      lines.push(`  ${p5.toFixed(1)}  ${kind.padEnd(11)} ${query}`);
    }
    const mean = sum / RELEVANCE.length;
    console.log(`precision@5 per query:\n${lines.join('\n')}\n  mean ${mean.toFixed(2)}`);
    assert.ok(mean >= 0.8, `mean precision@5 ${mean.toFixed(2)} < 0.8`);
  });

  it('answers synonym queries through the synonym list, without hurting the relevance set', async () => {
    // The same documents in a second index whose search analyzer has no synonyms.
    const plainEnv = {
      ...env,
      SEARCH_INDEX_ALIAS: `${env.SEARCH_INDEX_ALIAS}_nosyn`,
      SEARCH_SYNONYMS: 'false',
      SEARCH_CACHE: 'false',
      PRODUCT_CACHE: 'false',
      SEED_SAMPLE_WHEN_EMPTY: 'false',
    };
    const plain = await startTestCatalog(plainEnv);
    try {
      await plain.reindexer.reindex();
      const p5 = async (at: string, set: typeof RELEVANCE): Promise<number[]> => {
        const out: number[] = [];
        for (const { query, relevant } of set) {
          // A proof is refused 35 s after it was issued: this test outlasts one.
          const res = await gql<{ search: Result }>(
            at,
            SEARCH,
            { q: query, n: 5 },
            await mintProof(),
          );
          assert.equal(res.errors, undefined, JSON.stringify(res.errors));
          out.push(res.data!.search.hits.filter(relevant).length / 5);
        }
        return out;
      };
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      const report: string[] = [];
      const means: Record<string, [number, number]> = {};
      for (const [name, set] of [
        ['synonym set', SYNONYM_SET],
        ['relevance set', RELEVANCE],
      ] as const) {
        const [withSyn, without] = [await p5(url, set), await p5(plain.http.url, set)];
        means[name] = [mean(withSyn), mean(without)];
        report.push(
          `${name}: mean precision@5 ${mean(withSyn).toFixed(2)} with synonyms, ${mean(without).toFixed(2)} without`,
          ...set.map(
            (q, i) =>
              `  ${withSyn[i]!.toFixed(1)}  ${without[i]!.toFixed(1)}  ${q.kind.padEnd(11)} ${q.query}`,
          ),
        );
      }
      console.log(report.join('\n'));
      const [synWith, synWithout] = means['synonym set']!;
      const [relWith, relWithout] = means['relevance set']!;
      assert.ok(synWith >= 0.8, `synonym set: mean precision@5 ${synWith.toFixed(2)} < 0.8`);
      assert.ok(synWith > synWithout + 0.3, 'the synonyms bring little over the plain analyzer');
      assert.ok(relWith >= relWithout - 0.02, 'the synonyms cost precision on the relevance set');
    } finally {
      await fetch(`${env.ELASTICSEARCH_URL}/${plainEnv.SEARCH_INDEX_ALIAS}-*`, {
        method: 'DELETE',
      }).catch(() => undefined);
      await plain.close();
    }
  });

  it('finds bookcases first for the misspelled "bokcase"', async () => {
    const r = await search({ q: 'bokcase', n: 3 });
    assert.equal(sub(r.hits[0]!), 'Bookcases');
    assert.match(r.hits[0]!.highlightedTitle ?? '', /<em>Bookcases?<\/em>/i);
  });

  it('offers a did-you-mean for a misspelled query, none for a good one', async () => {
    const r = await search({ q: 'samsng phnoe' });
    assert.equal(r.didYouMean, 'samsung phone');
    assert.equal((await search({ q: 'office chairs' })).didYouMean, null);
  });

  it('facet counts add up to the total, and each facet ignores only its own filter', async () => {
    const all = await search({ n: 1 });
    assert.equal(all.total, 1862);
    const sumOf = (fs: { count: number }[]) => fs.reduce((s, f) => s + f.count, 0);
    assert.equal(sumOf(all.facets.categories), all.total);
    assert.equal(sumOf(all.facets.prices), all.total);
    assert.ok(sumOf(all.facets.brands) <= all.total);

    const xerox = await search({ n: 1, f: { brands: ['Xerox'] } });
    assert.equal(sumOf(xerox.facets.categories), xerox.total);
    assert.equal(sumOf(xerox.facets.prices), xerox.total);
    // The brand facet is counted without the brand filter: other brands stay selectable.
    assert.equal(xerox.facets.brands.find((b) => b.value === 'Xerox')?.count, xerox.total);
    assert.ok(xerox.facets.brands.length > 1);
  });

  it('combines category, price and brand filters with each sort', async () => {
    const f = { categories: ['Furniture > Chairs'], minPriceCents: 10_000, maxPriceCents: 50_000 };
    const byPrice = await search({ f, s: 'PRICE_ASC', n: 100 });
    assert.ok(byPrice.total > 5, `only ${byPrice.total} chairs in range`);
    assert.equal(byPrice.hits.length, Math.min(100, byPrice.total));
    for (const h of byPrice.hits) {
      assert.deepEqual(h.product.categoryPath, ['Furniture', 'Chairs']);
      assert.ok(h.product.priceCents >= 10_000 && h.product.priceCents <= 50_000);
    }
    const prices = byPrice.hits.map((h) => h.product.priceCents);
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
    );
    const desc = await search({ f, s: 'PRICE_DESC', n: 100 });
    assert.deepEqual(
      desc.hits.map((h) => h.product.priceCents),
      [...prices].sort((a, b) => b - a),
    );
    const rated = await search({ f, s: 'RATING', n: 100 });
    const ratings = rated.hits.map((h) => h.product.rating ?? -1);
    assert.deepEqual(
      ratings,
      [...ratings].sort((a, b) => b - a),
    );
    const newest = await search({ f, s: 'NEWEST', n: 100 });
    const times = newest.hits.map((h) => Date.parse(h.product.createdAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    // The price facet (without its own filter) covers every chair; the category facet only these.
    assert.equal(
      byPrice.facets.categories.find((c) => c.value === 'Furniture > Chairs')?.count,
      byPrice.total,
    );
    const chairs = await search({ f: { categories: ['Chairs'] }, n: 1 });
    assert.equal(
      byPrice.facets.prices.reduce((s, p) => s + p.count, 0),
      chairs.total,
    );
    // A brand on top narrows further; pages do not overlap.
    const brand = byPrice.hits.find((h) => h.product.brand !== null)!.product.brand!;
    const narrowed = await search({ f: { ...f, brands: [brand] }, n: 100 });
    assert.ok(narrowed.total >= 1 && narrowed.total <= byPrice.total);
    assert.ok(narrowed.hits.every((h) => h.product.brand === brand));
    const p1 = await search({ f, s: 'PRICE_ASC', n: 3, p: 1 });
    const p2 = await search({ f, s: 'PRICE_ASC', n: 3, p: 2 });
    assert.deepEqual(
      [...p1.hits, ...p2.hits].map((h) => h.product.id),
      byPrice.hits.slice(0, 6).map((h) => h.product.id),
    );
  });

  it('suggests titles for a 3-letter prefix', async () => {
    const res = await gql<{ suggest: string[] }>(url, '{ suggest(prefix: "boo") }', {}, anyone);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const titles = res.data!.suggest;
    assert.ok(titles.length >= 3, JSON.stringify(titles));
    for (const t of titles) assert.match(t, /\bboo/i);
  });

  it('lists products for an empty query, finds nothing for garbage, refuses bad input', async () => {
    assert.equal((await search({ q: '' })).total, 1862);
    const garbage = await search({ q: 'zzqxv qqqwp' });
    assert.equal(garbage.total, 0);
    assert.deepEqual(garbage.hits, []);
    const long = await gql(url, SEARCH, { q: 'x'.repeat(201) }, anyone);
    assert.equal(long.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const badRange = await gql(
      url,
      SEARCH,
      { f: { minPriceCents: 500, maxPriceCents: 100 } },
      anyone,
    );
    assert.equal(badRange.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(badRange.errors?.[0]?.message ?? '', /maxPriceCents/);
  });

  it('loading the sample catalog again adds nothing (the seed is idempotent)', async () => {
    const repo = new ProductsRepository(app.mongo.db(env.MONGODB_DATABASE));
    assert.equal(await loadSampleCatalog(repo, createLogger('seed', 'silent')), 0);
    assert.equal(await repo.count(), 1862);
  });

  it('records searches: admins see top and zero-result queries over a window', async () => {
    await search({ q: 'Desk  Lamp' });
    await search({ q: 'desk lamp' });
    await search({ q: 'unobtainium widget' });
    const q = `{ searchInsights(windowHours: 1, limit: 100) {
      topQueries { query searches lastHits } zeroResultQueries { query searches } } }`;
    const customer = await mintProof({ sub: 'c1', roles: ['customer'] });
    const forbidden = await gql(url, q, {}, customer);
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const res = await gql<{
      searchInsights: {
        topQueries: { query: string; searches: number; lastHits: number }[];
        zeroResultQueries: { query: string; searches: number }[];
      };
    }>(url, q, {}, admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const { topQueries, zeroResultQueries } = res.data!.searchInsights;
    assert.equal(topQueries.find((t) => t.query === 'desk lamp')?.searches, 2);
    assert.ok(zeroResultQueries.some((z) => z.query === 'unobtainium widget'));
    assert.ok(!zeroResultQueries.some((z) => z.query === 'desk lamp'));
  });
});
