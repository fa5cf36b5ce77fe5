// The operation shape limits through a real gateway process over HTTP: a query of doubling
// fragments (issue 8, point 1), the depth and cost limits at their exact boundary, page sizes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, type RunningService } from '@shop/testing';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { errorCode, gql, startGateway, type GraphQLResult } from './harness.js';

/** `query{...F0} fragment F0 on Query{...F1 ...F1} ... fragment Fn on Query{<leaf>}`: 2^n leaves. */
const doubling = (n: number, leaf: string): string => {
  const parts = ['query{...F0}'];
  for (let i = 0; i < n; i += 1) parts.push(`fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`);
  parts.push(`fragment F${n} on Query{${leaf}}`);
  return parts.join(' ');
};

/** POSTs a body and gives up after `ms`: a frozen gateway fails the test instead of hanging it. */
const post = async (url: string, body: unknown, ms = 10_000): Promise<unknown> => {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  });
  return res.json();
};

const nested = (depth: number): string =>
  `{ tree { ${'child { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;

describe('operation shape limits through the gateway', () => {
  const stack = new TestStack('gwshape');
  let subgraphs: TestSubgraphs;
  let gateway: RunningService;

  before(async () => {
    subgraphs = await startTestSubgraphs();
    gateway = await startGateway({
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      SUBGRAPH_URLS: Object.entries(subgraphs.urls)
        .map(([n, u]) => `${n}=${u}`)
        .join(','),
      // no token is sent: the JWKS is never fetched
      JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      HTTP_BURST: '1000',
      HTTP_RATE_PER_SECOND: '1000',
      MAX_DEPTH: '6',
      MAX_COST: '500',
      MAX_BATCH: '10',
      MAX_BODY_BYTES: '100000',
    });
  });

  after(async () => {
    await gateway?.stop();
    await subgraphs?.close();
    await stack.cleanup();
  });

  it('rejects 40 doubling fragments with BAD_USER_INPUT and keeps answering other requests meanwhile', async () => {
    const before = subgraphs.count();
    // a batch of 10 (the batch limit) of each kind: costed fields, and cost-free __typename that no
    // cost limit would stop
    const attacks = [
      post(
        gateway.url,
        Array.from({ length: 10 }, () => ({ query: doubling(40, 'hello') })),
      ),
      post(
        gateway.url,
        Array.from({ length: 10 }, () => ({ query: doubling(40, '__typename') })),
      ),
    ];
    const others = Array.from({ length: 5 }, () => post(gateway.url, { query: '{ hello }' }));
    const all = await Promise.all([...attacks, ...others]);
    for (const batch of all.slice(0, 2) as GraphQLResult[][]) {
      assert.equal(batch.length, 10);
      for (const res of batch) {
        assert.equal(errorCode(res), 'BAD_USER_INPUT', JSON.stringify(res.errors));
        assert.equal(res.data ?? null, null);
      }
    }
    for (const res of all.slice(2) as GraphQLResult<{ hello: string }>[])
      assert.equal(res.data?.hello, 'world');
    // and the gateway is still responsive afterwards
    const after = (await post(gateway.url, { query: '{ hello }' }, 5_000)) as GraphQLResult;
    assert.deepEqual(after.data, { hello: 'world' });
    assert.equal(subgraphs.count(), before + 6);
  });

  it('rejects 1,500 nested inline fragments (depth 1, cost 1) with BAD_USER_INPUT before planning', async () => {
    // 20 kB that no depth or cost limit sees: the query planner's recursion overflowed its stack
    const query = `{${'...on Query{'.repeat(1500)}hello${'}'.repeat(1500)}}`;
    const before = subgraphs.count();
    const res = (await post(gateway.url, { query })) as GraphQLResult;
    assert.equal(errorCode(res), 'BAD_USER_INPUT', JSON.stringify(res.errors));
    assert.match(
      res.errors?.[0]?.message ?? '',
      /nests selections at least 25 deep; the limit is 24/,
    );
    assert.equal(subgraphs.count(), before);
    // an ordinary nesting of fragments still passes
    const ok = await gql(
      gateway.url,
      '{ ...on Query { ...on Query { ...H } } } fragment H on Query { hello }',
    );
    assert.equal(ok.errors, undefined);
  });

  it('accepts exactly the depth limit and rejects one past it, before any subgraph is called', async () => {
    const ok = await gql(gateway.url, nested(6));
    assert.equal(ok.errors, undefined);
    const before = subgraphs.count();
    const deep = await gql(gateway.url, nested(7));
    assert.equal(errorCode(deep), 'BAD_USER_INPUT');
    assert.match(deep.errors?.[0]?.message ?? '', /depth at least 7 exceeds the limit of 6/);
    assert.equal(subgraphs.count(), before);
  });

  it('accepts exactly the cost limit and rejects one past it, before any subgraph is called', async () => {
    // users(first: 250) { id } costs 250 * (1 + 1) = 500
    const ok = await gql<{ users: unknown[] }>(gateway.url, '{ users(first: 250) { id } }');
    assert.equal(ok.errors, undefined);
    assert.equal(ok.data?.users.length, 250);
    const before = subgraphs.count();
    const costly = await gql(gateway.url, '{ users(first: 250) { id } hello }');
    assert.equal(errorCode(costly), 'BAD_USER_INPUT');
    assert.match(costly.errors?.[0]?.message ?? '', /cost at least 501 exceeds the limit of 500/);
    assert.equal(subgraphs.count(), before);
  });

  it('refuses a page size of zero or less (a subgraph may read it as "no limit")', async () => {
    const before = subgraphs.count();
    for (const first of [0, -1]) {
      const literal = await gql(gateway.url, `{ users(first: ${first}) { id } }`);
      assert.equal(errorCode(literal), 'BAD_USER_INPUT', String(first));
      assert.match(literal.errors?.[0]?.message ?? '', /Query\.users: page size "first"/);
      const variable = await gql(gateway.url, 'query ($n: Int) { users(first: $n) { id } }', {
        variables: { n: first },
      });
      assert.equal(errorCode(variable), 'BAD_USER_INPUT', String(first));
    }
    assert.equal(subgraphs.count(), before);
  });
});
