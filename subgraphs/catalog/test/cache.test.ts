import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { freePort, TestStack, waitUntil } from '@shop/testing';
import { Redis } from 'ioredis';
import { newProduct } from '../src/domain/product.js';
import type { CatalogApp } from '../src/index.js';
import { ProductsRepository } from '../src/persistence/products.repository.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

/** A Redis of this test's own, so stopping and pausing it disturbs no other test. */
async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  await waitUntil(
    async () => {
      await probe.connect().catch(() => undefined);
      return (await probe.ping().catch(() => '')) === 'PONG';
    },
    { what: 'the test redis' },
  );
  probe.disconnect();
  return proc;
}

const SEARCH = 'query ($q: String) { search(query: $q) { total } }';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('catalog');

describe('search cache in Redis', () => {
  const stack = new TestStack('cache');
  let env: Record<string, string>;
  let app: CatalogApp;
  let redis: ChildProcess;
  let proof: string;
  let searches = 0;

  const timedSearch = async (q: string): Promise<{ ms: number; total: number }> => {
    const t0 = Date.now();
    const res = await gql<{ search: { total: number } }>(app.http.url, SEARCH, { q }, proof);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return { ms: Date.now() - t0, total: res.data!.search.total };
  };
  const scrape = async (): Promise<string> =>
    (await fetch(app.http.url.replace(/\/graphql$/, '/metrics'))).text();

  // A proof is refused once issued more than 35 s ago: each test gets fresh ones.
  beforeEach(async () => {
    proof = await mintProof();
  });

  before(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    env = await catalogEnv(stack, 'cache', {
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      SEARCH_CACHE_DEADLINE_MS: '100',
    });
    app = await startTestCatalog(env);
    const repo = new ProductsRepository(app.mongo.db(env.MONGODB_DATABASE));
    const now = new Date();
    await repo.insertMissing(
      Array.from({ length: 40 }, (_, i) =>
        newProduct(
          { id: `c-${i}`, sku: `C-${i}`, title: `Cached Lamp ${i}`, priceCents: 100 + i },
          now,
        ),
      ),
    );
    await app.reindexer.reindex();
    proof = await mintProof();
    // Count the searches that reach Elasticsearch.
    const search = app.index.search.bind(app.index);
    app.index.search = async (r) => {
      searches++;
      return search(r);
    };
  });
  after(async () => {
    redis?.kill('SIGCONT');
    redis?.kill('SIGKILL');
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  it('computes concurrent misses for one key once, then serves hits', async () => {
    searches = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => timedSearch('cached lamp')));
    assert.ok(results.every((r) => r.total === 40));
    assert.equal(searches, 1);
    await waitUntil(
      async () => {
        await timedSearch('cached lamp');
        return searches === 1 && /result="hit"[^}]*\} ([2-9]\d|\d{3,})/.test(await scrape());
      },
      { what: 'hits counted' },
    );
  });

  it('answers within a bounded time with Redis paused (SIGSTOP), then stopped', async () => {
    redis.kill('SIGSTOP');
    try {
      for (const q of ['lamp 3', 'lamp 4', 'cached lamp']) {
        const { ms, total } = await timedSearch(q);
        assert.ok(total >= 1);
        assert.ok(ms < 5000, `search took ${ms} ms with Redis paused`);
      }
    } finally {
      redis.kill('SIGCONT');
    }
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    for (const q of ['lamp 5', 'cached lamp']) {
      const { ms, total } = await timedSearch(q);
      assert.ok(total >= 1);
      assert.ok(ms < 5000, `search took ${ms} ms with Redis stopped`);
    }
    assert.match(
      await scrape(),
      /catalog_search_cache_requests_total\{result="error"[^}]*\} [1-9]/,
    );
  });
});
