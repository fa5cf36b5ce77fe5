import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import type { CatalogApp } from '../src/index.js';
import { ProductsRepository } from '../src/persistence/products.repository.js';
import { loadSampleCatalog } from '../src/seed/load-sample.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

const QUERIES = ['bookcase', 'chiar', 'xerox paper', '', 'wireless mouse', 'binde'];

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('catalog');

describe('full reindex with an alias swap', () => {
  const stack = new TestStack('reindex');
  let env: Record<string, string>;
  let app: CatalogApp;

  before(async () => {
    // No cache: every search must reach Elasticsearch while the alias moves.
    env = await catalogEnv(stack, 'reindex', {
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      SEARCH_CACHE: 'false',
    });
    app = await startTestCatalog(env);
    const repo = new ProductsRepository(app.mongo.db(env.MONGODB_DATABASE));
    await loadSampleCatalog(repo, createLogger('seed', 'silent'));
    await app.reindexer.reindex();
  });
  after(async () => {
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  it('fails no search while two reindexes swap the alias', async () => {
    const before = await app.index.current();
    let done = false;
    let ok = 0;
    const failures: string[] = [];
    const totals = new Map<string, Set<number>>();
    const worker = async (w: number): Promise<void> => {
      for (let i = w; !done; i++) {
        const q = QUERIES[i % QUERIES.length]!;
        const res = await gql<{ search: { total: number } }>(
          app.http.url,
          'query ($q: String) { search(query: $q, pageSize: 5) { total } }',
          { q },
          // A proof per search: one is refused 35 s after issue, and two reindexes on a loaded
          // machine take longer than that.
          await mintProof(),
        ).catch((err: unknown) => ({ errors: [{ message: String(err) }], data: undefined }));
        if (res.errors !== undefined || res.data === undefined)
          failures.push(JSON.stringify(res.errors));
        else {
          ok++;
          if (!totals.has(q)) totals.set(q, new Set());
          totals.get(q)!.add(res.data!.search.total);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    try {
      const first = await app.reindexer.reindex();
      const second = await app.reindexer.reindex();
      assert.equal(first.documents, 1862);
      assert.equal(second.documents, 1862);
      assert.deepEqual(await app.index.current(), [second.index]);
    } finally {
      done = true;
      await Promise.all(workers);
    }
    assert.deepEqual(failures, []);
    assert.ok(ok >= 20, `only ${ok} searches ran during the reindexes`);
    // Each query found the same number of products on the old and the new index.
    for (const [q, set] of totals)
      assert.equal(set.size, 1, `"${q}" totals ${[...set].join(', ')}`);
    assert.ok(!(await app.index.current()).some((i) => before.includes(i)));
  });
});
