import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { newProduct } from '../src/domain/product.js';
import type { CatalogApp } from '../src/index.js';
import { ProductCache } from '../src/persistence/product-cache.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

const mintProof = proofMinter('catalog');
const UPSERT = 'mutation ($i: ProductInput!) { upsertProduct(input: $i) { id priceCents } }';
const PRODUCT = 'query ($id: ID!) { product(id: $id) { id title priceCents } }';

describe('product cache in Redis', () => {
  const stack = new TestStack('pcache');
  let env: Record<string, string>;
  let app: CatalogApp;
  let redis: Redis;

  const hits = async (): Promise<number> => {
    const text = await (await fetch(app.http.url.replace(/\/graphql$/, '/metrics'))).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('catalog_product_cache_requests_total{') && l.includes('"hit"'));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const read = async (id: string) =>
    (
      await gql<{ product: { priceCents: number } | null }>(
        app.http.url,
        PRODUCT,
        { id },
        await mintProof(),
      )
    ).data?.product;

  before(async () => {
    env = await catalogEnv(stack, 'pcache', {
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
    });
    app = await startTestCatalog(env);
    redis = new Redis(stack.env.REDIS_URL);
  });
  after(async () => {
    const keys = await redis.keys(`${stack.ns.redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  it('is on by default: reads come from the cache, a price change is never served stale', async () => {
    const admin = await mintProof({ sub: 'a1', roles: ['admin'] });
    const id = `${stack.ns.runId}-lamp`;
    const put = (priceCents: number) =>
      gql(
        app.http.url,
        UPSERT,
        { i: { id, title: 'Desk Lamp', priceCents, description: '' } },
        admin,
      );
    assert.equal((await put(1999)).errors, undefined);
    assert.equal((await read(id))?.priceCents, 1999);
    const before = await hits();
    assert.equal((await read(id))?.priceCents, 1999);
    assert.ok((await hits()) > before, 'the second read is a cache hit');

    assert.equal((await put(2499)).errors, undefined);
    const afterUpdate = await hits();
    for (let i = 0; i < 5; i++)
      assert.equal((await read(id))?.priceCents, 2499, `read ${i + 1} after the update`);
    assert.ok((await hits()) >= afterUpdate + 5, 'and they are all served from the cache');
  });

  it('never lets an older revision replace a newer one (a slow reader after a write)', async () => {
    const cache = new ProductCache({
      redis,
      logger: createLogger('pcache', 'silent'),
      prefix: `${stack.ns.redisPrefix}race:`,
      requests: new Counter({
        name: 'c',
        help: 'c',
        labelNames: ['result'],
        registers: [new Registry()],
      }),
    });
    const v1 = newProduct({ id: 'p1', sku: 'P1', title: 'Old', priceCents: 100 }, new Date());
    const v2 = { ...v1, title: 'New', priceCents: 200, revision: v1.revision + 1 };
    await cache.put(v2);
    await cache.put(v1);
    const got = await cache.getMany(['p1'], () => Promise.reject(new Error('not a miss')));
    assert.equal(got.get('p1')?.title, 'New');
    assert.ok(got.get('p1')?.updatedAt instanceof Date);
  });
});
