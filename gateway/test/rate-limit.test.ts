import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import { Redis } from 'ioredis';
import { TestIssuer } from './fixtures/test-issuer.js';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { errorCode, gql, startGateway } from './harness.js';

describe('@rateLimit across two gateway processes sharing Redis', () => {
  const stack = new TestStack('gwrl');
  let subgraphs: TestSubgraphs;
  let issuer: TestIssuer;
  let gateways: RunningService[] = [];

  before(async () => {
    subgraphs = await startTestSubgraphs();
    issuer = await TestIssuer.start();
    const env = {
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      SUBGRAPH_URLS: Object.entries(subgraphs.urls)
        .map(([n, u]) => `${n}=${u}`)
        .join(','),
      JWKS_URL: issuer.jwksUrl,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      HTTP_BURST: '1000',
      HTTP_RATE_PER_SECOND: '1000',
      MAX_ALIASES: '60',
    };
    gateways = await Promise.all([startGateway(env, 'gateway-a'), startGateway(env, 'gateway-b')]);
  });

  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await subgraphs?.close();
    await issuer?.close();
    const redis = new Redis(stack.env.REDIS_URL);
    const keys = await redis.keys(`${stack.ns.redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await stack.cleanup();
  });

  const url = (i: number): string => gateways[i % gateways.length]?.url ?? '';

  it('100 concurrent calls by one user, max 10: exactly 10 succeed, 90 RATE_LIMITED; another user is unaffected', async () => {
    const alice = await issuer.token({ sub: crypto.randomUUID() });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => gql(url(i), '{ rateLimitProbe }', { token: alice })),
    );
    const ok = results.filter((r) => r.errors === undefined && r.data?.rateLimitProbe === 'ok');
    const limited = results.filter((r) => errorCode(r) === 'RATE_LIMITED');
    assert.equal(ok.length, 10);
    assert.equal(limited.length, 90);
    for (const r of limited) {
      const retryAfter = r.errors?.[0]?.extensions?.retryAfter;
      assert.equal(typeof retryAfter, 'number');
      assert.ok((retryAfter as number) >= 1 && (retryAfter as number) <= 60);
      assert.equal(r.data ?? null, null);
    }
    const bob = await issuer.token({ sub: crypto.randomUUID() });
    const bobs = await Promise.all(
      [0, 1].map((i) => gql(url(i), '{ rateLimitProbe }', { token: bob })),
    );
    for (const r of bobs) assert.equal(r.data?.rateLimitProbe, 'ok');

    const metrics = await Promise.all(
      gateways.map(async (g) => (await fetch(`${g.url}/metrics`)).text()),
    );
    const rejections = metrics.map((m) =>
      Number(
        /graphql_rate_limit_rejections_total\{field="Query.rateLimitProbe"[^}]*\} (\d+)/.exec(
          m,
        )?.[1] ?? 0,
      ),
    );
    assert.equal(rejections[0]! + rejections[1]!, 90);
    // Both processes served alice (each rejected some of her calls, by its own count), yet only 10
    // went through in all: the window is shared in Redis. Per-process windows would let 10 through
    // on each.
    assert.ok(
      rejections.every((n) => n > 0),
      `rejections per gateway: ${rejections.join(', ')}`,
    );
    const line = await waitUntil(
      () =>
        gateways
          .flatMap((g) => g.logs)
          .find((l) => l.msg === 'rate limit exceeded' && l.field === 'Query.rateLimitProbe'),
      { what: 'a rate-limit log line' },
    );
    assert.equal(typeof line.userId, 'string');
    assert.equal(typeof line.ip, 'string');
  });

  it('each alias counts: 50 aliases of a max-10 field are rejected; 4 + 6 aliases fill the window exactly', async () => {
    const aliases = (n: number): string =>
      `{ ${Array.from({ length: n }, (_, i) => `p${i}: rateLimitProbe`).join(' ')} }`;
    const carol = await issuer.token({ sub: crypto.randomUUID() });
    const fifty = await gql(url(0), aliases(50), { token: carol });
    assert.equal(errorCode(fifty), 'RATE_LIMITED');

    const dave = await issuer.token({ sub: crypto.randomUUID() });
    assert.equal((await gql(url(0), aliases(4), { token: dave })).errors, undefined);
    assert.equal((await gql(url(1), aliases(6), { token: dave })).errors, undefined);
    assert.equal(errorCode(await gql(url(0), aliases(1), { token: dave })), 'RATE_LIMITED');
    assert.equal(
      errorCode(await gql(url(1), '{ rateLimitProbe }', { token: dave })),
      'RATE_LIMITED',
    );
  });

  it('anonymous callers are limited per IP', async () => {
    // anonProbe allows 3 per minute; every anonymous test call comes from 127.0.0.1
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => gql(url(i), '{ anonProbe }')),
    );
    assert.equal(results.filter((r) => r.data?.anonProbe === 'ok').length, 3);
    assert.equal(results.filter((r) => errorCode(r) === 'RATE_LIMITED').length, 3);
    const token = await issuer.token({ sub: crypto.randomUUID() });
    assert.equal((await gql(url(0), '{ anonProbe }', { token })).data?.anonProbe, 'ok');
  });

  it('a rejected operation never reaches a subgraph', async () => {
    const erin = await issuer.token({ sub: crypto.randomUUID() });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => gql(url(i), '{ rateLimitProbe }', { token: erin })),
    );
    const before = subgraphs.count();
    const res = await gql(url(0), '{ hello rateLimitProbe }', { token: erin });
    assert.equal(errorCode(res), 'RATE_LIMITED');
    assert.equal(res.headers.get('retry-after') !== null, true);
    assert.equal(subgraphs.count(), before);
  });
});
