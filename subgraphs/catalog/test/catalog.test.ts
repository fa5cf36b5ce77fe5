import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import type { CatalogApp } from '../src/index.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('catalog');

describe('catalog subgraph over HTTP against MongoDB (FerretDB)', () => {
  const stack = new TestStack('catalog');
  let env: Record<string, string>;
  let app: CatalogApp;
  let url: string;
  let finds = 0;

  before(async () => {
    env = await catalogEnv(stack, 'catalog', { CATALOG_RELAY: 'false', CATALOG_INDEXER: 'false' });
    app = await startTestCatalog(env, { monitorCommands: true });
    app.mongo.on('commandStarted', (e) => {
      if (e.commandName === 'find') finds++;
    });
    url = app.http.url;
  });
  after(async () => {
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  it('lets only admins upsert products and validates them', async () => {
    const upsert =
      'mutation ($i: ProductInput!) { upsertProduct(input: $i) { id title priceCents } }';
    const input = { id: 'lamp-1', title: 'Desk Lamp', priceCents: 1999 };
    const customer = await gql(
      url,
      upsert,
      { i: input },
      await mintProof({ sub: 'u1', roles: ['customer'] }),
    );
    assert.equal(customer.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const asAdmin = await mintProof({ sub: 'a1', roles: ['admin'] });
    const ok = await gql<{ upsertProduct: unknown }>(url, upsert, { i: input }, asAdmin);
    assert.deepEqual(ok.data?.upsertProduct, input);
    const bad = await gql(url, upsert, { i: { ...input, priceCents: -5 } }, asAdmin);
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const read = await gql<{ product: { title: string } }>(
      url,
      '{ product(id: "lamp-1") { title } }',
      {},
      await mintProof(),
    );
    assert.equal(read.data?.product.title, 'Desk Lamp');
  });

  it('resolves N Product references with one find', async () => {
    const products = Array.from({ length: 15 }, (_, i) => ({
      id: `p-${i}`,
      title: `Product ${i}`,
      description: '',
      priceCents: 100 * i,
    }));
    for (const p of products) await app.catalog.upsert(p);
    finds = 0;
    const res = await gql<{ _entities: ({ title: string } | null)[] }>(
      url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { title } } }',
      {
        r: [
          ...products.map((p) => ({ __typename: 'Product', id: p.id })),
          { __typename: 'Product', id: 'nope' },
        ],
      },
      await mintProof(),
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(
      res.data?._entities.map((e) => e?.title ?? null),
      [...products.map((p) => p.title), null],
    );
    assert.equal(finds, 1);
  });

  it('products(ids) takes at most 100 ids and refuses more with BAD_USER_INPUT', async () => {
    const query = 'query ($ids: [ID!]!) { products(ids: $ids) { id } }';
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `none-${i}`);
    const hundred = await gql<{ products: unknown[] }>(
      url,
      query,
      { ids: ids(100) },
      await mintProof(),
    );
    assert.equal(hundred.errors, undefined, JSON.stringify(hundred.errors));
    assert.equal(hundred.data?.products.length, 100);
    const more = await gql(url, query, { ids: ids(101) }, await mintProof());
    assert.equal(more.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(more.data, null);
  });

  it('rejects a direct call without the gateway proof', async () => {
    const res = await gql(url, '{ product(id: "lamp-1") { title } }');
    assert.equal(res.status, 401);
  });
});
