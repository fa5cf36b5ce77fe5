import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import { Redis } from 'ioredis';
import { TestIssuer } from './fixtures/test-issuer.js';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { errorCode, gql, opsUrl, startGateway } from './harness.js';

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
      // the test process stands in for the load balancer: X-Forwarded-For picks the client
      TRUST_PROXY: '127.0.0.1',
      // exactness under a burst is the point here, not the deadline (redis-stall.test.ts): on a
      // loaded machine 100 requests at once can keep the event loop past the 1 s default
      REDIS_TIMEOUT_MS: '5000',
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
    const others = results.filter((r) => !ok.includes(r) && !limited.includes(r));
    assert.deepEqual(
      others.map((r) => r.errors?.[0]?.message),
      [],
    );
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
      gateways.map(async (g) => (await fetch(`${opsUrl(g)}/metrics`)).text()),
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

  it('each alias counts: 50 aliases of a max-10 field are refused; 4 + 6 aliases fill the window exactly', async () => {
    const aliases = (n: number): string =>
      `{ ${Array.from({ length: n }, (_, i) => `p${i}: rateLimitProbe`).join(' ')} }`;
    const carol = await issuer.token({ sub: crypto.randomUUID() });
    const fifty = await gql(url(0), aliases(50), { token: carol });
    assert.equal(errorCode(fifty), 'BAD_USER_INPUT');
    assert.match(
      fifty.errors?.[0]?.message ?? '',
      /calls 'Query.rateLimitProbe' 50 times; at most 10/,
    );

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

  it('an operation over max on its own is refused without consuming: the caller keeps the whole window', async () => {
    const aliases = (n: number): string =>
      `{ ${Array.from({ length: n }, (_, i) => `p${i}: rateLimitProbe`).join(' ')} }`;
    const frank = await issuer.token({ sub: crypto.randomUUID() });
    for (const n of [11, 60]) {
      const res = await gql(url(n), aliases(n), { token: frank });
      assert.equal(errorCode(res), 'BAD_USER_INPUT');
      assert.equal(res.status, 400);
    }
    // the same through fragments spread twice: 2 x 2 x 3 = 12 calls
    const spread = await gql(
      url(0),
      `{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C }
       fragment C on Query { a: rateLimitProbe b: rateLimitProbe c: rateLimitProbe }`,
      { token: frank },
    );
    assert.equal(errorCode(spread), 'BAD_USER_INPUT');
    assert.match(spread.errors?.[0]?.message ?? '', /12 times/);
    // none of the refused calls counted: all 10 are still there
    assert.equal((await gql(url(1), aliases(10), { token: frank })).errors, undefined);
    assert.equal(errorCode(await gql(url(0), aliases(1), { token: frank })), 'RATE_LIMITED');
  });

  it('rejected calls do not extend a block: polling all along, a call passes once the first calls leave the window', async () => {
    const ip = '10.77.0.1';
    const headers = { 'x-forwarded-for': ip };
    for (const i of [0, 1])
      assert.equal((await gql(url(i), '{ shortProbe }', { headers })).errors, undefined);
    const first = await gql(url(0), '{ shortProbe }', { headers });
    assert.equal(errorCode(first), 'RATE_LIMITED');
    let rejected = 0;
    // every poll before the window ends is a rejected call; recorded, they would keep it full
    await waitUntil(
      async () => {
        const res = await gql(url(rejected), '{ shortProbe }', { headers });
        if (errorCode(res) === 'RATE_LIMITED') rejected += 1;
        return res.errors === undefined;
      },
      { timeoutMs: 6000, intervalMs: 100, what: 'shortProbe (2 per 2 s) to pass again' },
    );
    assert.ok(rejected >= 3, `${rejected} rejected calls while waiting`);
  });

  it('by: "client" keys on the address whatever token is sent; by: "args" caps one email across addresses', async () => {
    const ACCOUNT = 'query ($email: String!) { accountProbe(input: { email: $email }) }';
    const call = async (ip: string, email: string, token?: string): Promise<unknown> => {
      const res = await gql(url(0), ACCOUNT, {
        headers: { 'x-forwarded-for': ip },
        variables: { email },
        ...(token === undefined ? {} : { token }),
      });
      return res.errors === undefined ? 'ok' : errorCode(res);
    };
    // one address, a fresh token per call (each token another account): 4 a minute in all
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => issuer.token({ sub: crypto.randomUUID() })),
    );
    const perClient: unknown[] = [];
    for (const [i, token] of tokens.entries())
      perClient.push(await call('10.78.0.1', `u${i}-${crypto.randomUUID()}@shop.test`, token));
    assert.deepEqual(perClient, ['ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);

    // one target email from many addresses: 3 a minute, whatever the case and spaces
    const victim = `victim-${crypto.randomUUID()}@shop.test`;
    const spellings = [victim, ` ${victim.toUpperCase()}`, `${victim} `, victim];
    const perEmail: unknown[] = [];
    for (const [i, email] of spellings.entries())
      perEmail.push(await call(`10.79.0.${i + 1}`, email));
    assert.deepEqual(perEmail, ['ok', 'ok', 'ok', 'RATE_LIMITED']);
    // another email from those addresses is unaffected
    assert.equal(await call('10.79.0.1', `other-${crypto.randomUUID()}@shop.test`), 'ok');
  });

  it('IPv6 clients are limited per /64: another address of the same /64 shares the window, another /64 does not', async () => {
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
    const codes: unknown[] = [];
    for (const host of ['::1', '::2', ':0:0:ab:cd', '::ffff'])
      codes.push(
        errorCode(
          await gql(url(codes.length), '{ anonProbe }', {
            headers: { 'x-forwarded-for': `${net}${host}` },
          }),
        ) ?? 'ok',
      );
    assert.deepEqual(codes, ['ok', 'ok', 'ok', 'RATE_LIMITED']);
    const other = await gql(url(0), '{ anonProbe }', {
      headers: { 'x-forwarded-for': `${net.replace(/:7$/, ':8')}::1` },
    });
    assert.equal(other.errors, undefined);
  });
});
