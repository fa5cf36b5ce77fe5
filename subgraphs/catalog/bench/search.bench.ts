// `npm run bench -w subgraphs/catalog`: search latency on a 100k-product catalog, side by side in
// one run: through the subgraph with the cache bypassed (an instance with SEARCH_CACHE=false),
// through the subgraph with a warm cache, and the same queries sent straight to Elasticsearch with
// the client; at 1 and 20 concurrent clients; plus full-reindex throughput. Prints figures, asserts
// nothing. Data stays in the stack (database bench_catalog, alias bench_products) for reruns.
//   BENCH_PRODUCTS=100000 BENCH_REQUESTS=200 npm run bench -w subgraphs/catalog
import { Client } from '@elastic/elasticsearch';
import { createLogger, GATEWAY_PROOF_HEADER, parseConfig } from '@shop/platform';
import { proofMinter } from '@shop/subgraph-kit/testing';
import { stackEnv } from '@shop/testing';
import { parseSearchInput, type SearchInput } from '../src/domain/search-request.js';
import { catalogConfigSchema, startCatalogApp, type CatalogApp } from '../src/index.js';
import { ProductsRepository } from '../src/persistence/products.repository.js';
import { searchBody } from '../src/persistence/search-query.js';
import { loadSampleCatalog } from '../src/seed/load-sample.js';

const mintProof = proofMinter('catalog');

const SYNTHETIC = Number(process.env.BENCH_PRODUCTS ?? 100_000);
// BENCH_REUSE_INDEX=true measures searches on the index a previous run built.
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const stack = stackEnv();
const logger = createLogger('bench', 'warn');

const QUERIES: SearchInput[] = [
  { query: 'bookcase' },
  { query: 'bokcase' },
  { query: 'office chair' },
  { query: 'wireless mouse' },
  { query: 'xerox paper' },
  { query: 'binders', filters: { brands: ['Avery'] } },
  { query: 'tabels' },
  { query: 'samsung phone', sort: 'PRICE_ASC' },
  { query: 'lamp', filters: { minPriceCents: 1000, maxPriceCents: 20000 } },
  { query: '', filters: { categories: ['Furniture'] }, sort: 'RATING' },
  { query: 'stapl' },
  { query: 'deluxe black chair', pageSize: 40 },
  { query: 'storage', filters: { categories: ['Office Supplies > Storage'] } },
  { query: 'logitech' },
  { query: 'envelops' },
  { query: 'conference table', sort: 'NEWEST' },
];

const GQL = `query ($q: String, $f: SearchFilters, $s: SearchSort, $n: Int) {
  search(query: $q, filters: $f, sort: $s, pageSize: $n) {
    total didYouMean hits { highlightedTitle product { id title priceCents brand } }
    facets { categories { value count } brands { value count } prices { key count } }
  }
}`;

function config(cache: boolean) {
  return parseConfig(catalogConfigSchema, {
    MONGODB_URL: stack.MONGODB_URL,
    MONGODB_DATABASE: 'bench_catalog',
    MYSQL_URL: stack.MYSQL_URL,
    MYSQL_DATABASE: 'catalog',
    KAFKA_BROKERS: stack.KAFKA_BROKERS,
    ELASTICSEARCH_URL: stack.ELASTICSEARCH_URL,
    REDIS_URL: stack.REDIS_URL,
    SEARCH_INDEX_ALIAS: 'bench_products',
    SEARCH_CACHE: String(cache),
    SEARCH_CACHE_PREFIX: 'bench:catalog:',
    SEARCH_CACHE_TTL_SECONDS: '600',
    // A loaded 2-core machine can take seconds per search at 20 clients: measure, do not time out.
    SEARCH_TIMEOUT_MS: '60000',
    CATALOG_RELAY: 'false',
    CATALOG_INDEXER: 'false',
    SEED_SAMPLE_WHEN_EMPTY: 'false',
    PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  });
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Runs `total` calls of `one(i)` with `clients` concurrent loops; returns sorted latencies (ms). */
async function measure(clients: number, total: number, one: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const s = performance.now();
        try {
          await one(i);
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    rps: total / seconds,
    errors,
  };
}

/** A gateway proof, minted again before it can expire. */
let proof = { value: '', at: 0 };
async function currentProof(): Promise<string> {
  if (Date.now() - proof.at > 20_000) proof = { value: await mintProof(), at: Date.now() };
  return proof.value;
}

async function viaSubgraph(app: CatalogApp, input: SearchInput): Promise<void> {
  const res = await fetch(app.http.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [GATEWAY_PROOF_HEADER]: await currentProof() },
    body: JSON.stringify({
      query: GQL,
      variables: { q: input.query, f: input.filters, s: input.sort, n: input.pageSize },
    }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (!res.ok || body.errors !== undefined) throw new Error(JSON.stringify(body.errors));
}

// FerretDB on a busy machine can take long over a bulk load.
const cached = await startCatalogApp(config(true), logger, { socketTimeoutMS: 600_000 });
const uncached = await startCatalogApp(config(false), logger);
const es = new Client({ node: stack.ELASTICSEARCH_URL });
try {
  // The 100k catalog goes through MongoDB as in production: the seed's loader writes the sample
  // and the synthetic products (unordered inserts, no lookup: FerretDB answers an `$in` with a
  // full scan), then a full reindex reads them back through one cursor and bulk-indexes them into
  // a new index swapped in behind the alias.
  const reuse =
    process.env.BENCH_REUSE_INDEX === 'true' && (await cached.index.current()).length > 0;
  const repo = new ProductsRepository(cached.mongo.db('bench_catalog'));
  await repo.ensureIndexes();
  if (!reuse) {
    const t0 = Date.now();
    const added = await loadSampleCatalog(repo, logger, SYNTHETIC);
    const loadSeconds = (Date.now() - t0) / 1000;
    console.log(
      `load into MongoDB (FerretDB): ${added} new of ${await repo.count()} products in ${loadSeconds.toFixed(1)} s = ${Math.round(added / loadSeconds)} docs/s`,
    );
    const reindex = await cached.reindexer.reindex();
    console.log(
      `full reindex from MongoDB: ${reindex.documents} documents in ${reindex.seconds.toFixed(1)} s = ${reindex.docsPerSecond} docs/s`,
    );
  }

  const requests = QUERIES.map((q) => {
    const parsed = parseSearchInput(q);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.request;
  });
  // Warm: every query once through the cached instance (and once per path, for JIT and ES caches).
  for (const q of QUERIES) {
    await viaSubgraph(cached, q);
    await viaSubgraph(uncached, q);
  }
  const rows: string[] = [];
  for (const clients of [1, 20]) {
    const total = clients === 1 ? Math.max(100, REQUESTS / 2) : REQUESTS;
    const direct = await measure(clients, total, async (i) => {
      const r = requests[i % requests.length]!;
      await es.search({ index: 'bench_products', ...searchBody(r) });
    });
    const bypass = await measure(clients, total, (i) =>
      viaSubgraph(uncached, QUERIES[i % QUERIES.length]!),
    );
    const warm = await measure(clients, total, (i) =>
      viaSubgraph(cached, QUERIES[i % QUERIES.length]!),
    );
    const line = (name: string, m: typeof direct) =>
      `| ${String(clients).padStart(2)} | ${name.padEnd(30)} | ${m.p50.toFixed(1).padStart(7)} | ${m.p95.toFixed(1).padStart(7)} | ${m.p99.toFixed(1).padStart(7)} | ${m.rps.toFixed(0).padStart(6)} | ${m.errors} |`;
    rows.push(line('Elasticsearch direct (client)', direct));
    rows.push(line('subgraph, cache bypassed', bypass));
    rows.push(line('subgraph, warm cache', warm));
    rows.push(
      `|    | cached p95 / uncached p95 = ${(warm.p95 / bypass.p95).toFixed(2)} (goal <= 0.3); uncached p95 / ES p95 = ${(bypass.p95 / direct.p95).toFixed(2)} (goal <= 1.3) |`,
    );
  }
  console.log(
    `\n| clients | path | p50 ms | p95 ms | p99 ms | req/s | errors |\n|---|---|---|---|---|---|---|`,
  );
  console.log(rows.join('\n'));
} finally {
  await es.close();
  await cached.close();
  await uncached.close();
}
