import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEV_GATEWAY_PROOF_PRIVATE_KEY, DEV_GATEWAY_PROOF_PUBLIC_KEY } from '@shop/platform';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import { TestIssuer } from './fixtures/test-issuer.js';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { startTricklingSubgraph } from './fixtures/trickling-subgraph.js';
import { errorCode, gql, opsUrl, startGateway, startSubgraph } from './harness.js';

describe('gateway modes: production masking, development Sandbox, HTTP flood guard, subgraph deadline', () => {
  const stack = new TestStack('gwmodes');
  let subgraphs: TestSubgraphs;
  let issuer: TestIssuer;
  const gateways: RunningService[] = [];

  const start = async (env: Record<string, string>): Promise<RunningService> => {
    const gateway = await startGateway({
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      SUBGRAPH_URLS: Object.entries(subgraphs.urls)
        .map(([n, u]) => `${n}=${u}`)
        .join(','),
      JWKS_URL: issuer.jwksUrl,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      ...env,
    });
    gateways.push(gateway);
    return gateway;
  };

  before(async () => {
    subgraphs = await startTestSubgraphs();
    issuer = await TestIssuer.start();
  });

  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await subgraphs?.close();
    await issuer?.close();
    await stack.cleanup();
  });

  it('production: internal errors are masked, no stack trace or subgraph name, no introspection or Sandbox', async () => {
    const gateway = await start({ NODE_ENV: 'production' });
    const boom = await gql(gateway.url, '{ hello boom }');
    assert.equal(errorCode(boom), 'INTERNAL');
    assert.equal(boom.errors?.[0]?.message, 'Internal server error');
    assert.deepEqual(Object.keys(boom.errors?.[0]?.extensions ?? {}), ['code']);
    assert.doesNotMatch(JSON.stringify(boom), /secret\/path|stacktrace|accounts/);
    const introspection = await gql(gateway.url, '{ __schema { queryType { name } } }');
    assert.equal(errorCode(introspection), 'BAD_USER_INPUT');
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await page.text(), /<html/i);
    const badToken = await gql(gateway.url, '{ hello }', { token: 'a.b.c' });
    assert.equal(errorCode(badToken), 'UNAUTHENTICATED');
  });

  it('NODE_ENV unset means production: masked errors, no introspection or Sandbox', async () => {
    // an empty value counts as unset (parseConfig); the harness would otherwise set test
    const gateway = await start({ NODE_ENV: '' });
    const boom = await gql(gateway.url, '{ hello boom }');
    assert.equal(boom.errors?.[0]?.message, 'Internal server error');
    assert.doesNotMatch(JSON.stringify(boom), /stacktrace/);
    const introspection = await gql(gateway.url, '{ __schema { queryType { name } } }');
    assert.equal(errorCode(introspection), 'BAD_USER_INPUT');
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await page.text(), /<html/i);
  });

  it('NODE_ENV unset: the gateway and a subgraph refuse the committed development key and stop (78)', async () => {
    await assert.rejects(
      start({ NODE_ENV: '', GATEWAY_PROOF_PRIVATE_KEY: DEV_GATEWAY_PROOF_PRIVATE_KEY }),
      /exited \(78\)[\s\S]*config: GATEWAY_PROOF_PRIVATE_KEY: the development key/,
    );
    await assert.rejects(
      startSubgraph('users', {
        NODE_ENV: '',
        GATEWAY_PROOF_PUBLIC_KEY: DEV_GATEWAY_PROOF_PUBLIC_KEY,
        PASSWORD_HASH_COST: '12',
      }),
      /exited \(78\)[\s\S]*config: GATEWAY_PROOF_PUBLIC_KEY: the development key/,
    );
  });

  it('development: Apollo Sandbox on GET /graphql and introspection on', async () => {
    const gateway = await start({ NODE_ENV: 'development' });
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /sandbox/i);
    const introspection = await gql<{ __schema: { queryType: { name: string } } }>(
      gateway.url,
      '{ __schema { queryType { name } } }',
    );
    assert.equal(introspection.data?.__schema.queryType.name, 'Query');
  });

  it('an HTTP flood from one IP gets 429 before any GraphQL work', async () => {
    // one token per 1000 s: the burst of 5 is all this test gets, however slow the machine is
    const gateway = await start({
      HTTP_BURST: '5',
      HTTP_RATE_PER_SECOND: '0.001',
      CORS_ORIGINS: 'https://shop.example',
    });
    const before = subgraphs.count();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => gql(gateway.url, '{ hello }').then((r) => r.status)),
    );
    assert.equal(statuses.filter((s) => s === 429).length, 15);
    assert.equal(statuses.filter((s) => s === 200).length, 5);
    assert.equal(subgraphs.count() - before, 5);
    const retry = await fetch(`${gateway.url}/graphql`, { method: 'POST' });
    assert.equal(retry.status, 429);
    assert.ok(Number(retry.headers.get('retry-after')) >= 1);
    // the 429 carries the CORS headers: a browser on an allowed origin can read the Retry-After
    const fromShop = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://shop.example' },
    });
    assert.equal(fromShop.status, 429);
    assert.equal(fromShop.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(fromShop.headers.get('access-control-expose-headers') ?? '', /retry-after/);
    assert.equal(fromShop.headers.get('vary'), 'origin');
    // CORS preflights count too: the flood guard runs before CORS answers them
    const preflight = await fetch(`${gateway.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 429);
    const metrics = await (await fetch(`${opsUrl(gateway)}/metrics`)).text();
    assert.match(metrics, /gateway_http_rejections_total\{reason="flood",service="gateway"\} \d+/);
  });

  it('a batch of N operations costs N flood tokens; a client reaching the port directly cannot choose its address', async () => {
    // loopback (this test) is not a trusted proxy: its X-Forwarded-For is ignored, every request
    // below counts against 127.0.0.1's bucket of 6
    const gateway = await start({
      HTTP_BURST: '6',
      HTTP_RATE_PER_SECOND: '0.001',
      TRUST_PROXY: '10.0.0.0/8',
    });
    const batch = async (n: number, spoofed: string): Promise<Response> =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': spoofed },
        body: JSON.stringify(Array.from({ length: n }, () => ({ query: '{ hello }' }))),
      });
    const four = await batch(4, '198.51.100.1');
    assert.equal(four.status, 200);
    assert.equal(((await four.json()) as unknown[]).length, 4);
    // 2 tokens left: a batch of 3 is refused whole (it took only its first token)
    const three = await batch(3, '198.51.100.2');
    assert.equal(three.status, 429);
    assert.ok(Number(three.headers.get('retry-after')) >= 1);
    await three.body?.cancel();
    const spoofed = { headers: { 'x-forwarded-for': '198.51.100.3' } };
    assert.equal((await gql(gateway.url, '{ hello }', spoofed)).status, 200);
    assert.equal((await gql(gateway.url, '{ hello }', spoofed)).status, 429);
  });

  it('a subgraph that trickles its body past SUBGRAPH_TIMEOUT_MS is cut off at the deadline: INTERNAL, logged', async () => {
    // 10 s of body, a byte every 50 ms: an idle timer never fires, the 500 ms deadline must
    const trickling = await startTricklingSubgraph({ intervalMs: 50, bytes: 200 });
    try {
      const gateway = await start({
        SUBGRAPH_URLS: `accounts=${trickling.url}`,
        SUBGRAPH_TIMEOUT_MS: '500',
      });
      const res = await gql(gateway.url, '{ hello }');
      assert.equal(errorCode(res), 'INTERNAL');
      assert.equal(res.data ?? null, null);
      assert.match(res.errors?.[0]?.message ?? '', /did not answer within 500 ms/);
      await waitUntil(() => trickling.abortedWhileSending() === 1, {
        what: 'the gateway to drop the trickling connection',
      });
      assert.equal(trickling.completed(), 0);
      const logged = await waitUntil(() => gateway.logs.find((l) => l.msg === 'internal error'), {
        what: 'the timeout log line',
      });
      assert.match(JSON.stringify(logged.err), /SubgraphTimeoutError/);
    } finally {
      await trickling.close();
    }
  });

  it('dependencies down: an unreachable JWKS is 503 (not 401, the token may be valid), Redis down fails closed and /readyz says so', async () => {
    // a port that was just free: the JWKS connection is refused (fetch refuses port 9 outright)
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gateway = await start({
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      REDIS_URL: 'redis://127.0.0.1:9',
    });
    const token = await issuer.token();
    const unverifiable = await gql(gateway.url, '{ hello }', { token });
    assert.equal(errorCode(unverifiable), 'INTERNAL');
    assert.equal(unverifiable.status, 503);
    assert.match(unverifiable.errors?.[0]?.message ?? '', /temporarily unavailable/i);
    const logged = await waitUntil(
      () =>
        gateway.logs.find((l) => l.msg === 'JWKS unavailable: access tokens cannot be verified'),
      { what: 'the JWKS outage log line' },
    );
    assert.equal(logged.level, 'error');
    assert.match(JSON.stringify(logged.err), /ECONNREFUSED/);
    const limited = await gql(gateway.url, '{ anonProbe }');
    assert.equal(errorCode(limited), 'INTERNAL');
    assert.equal(limited.status, 503);
    const open = await gql<{ hello: string }>(gateway.url, '{ hello }');
    assert.equal(open.data?.hello, 'world');
    const ready = await fetch(`${opsUrl(gateway)}/readyz`);
    assert.equal(ready.status, 503);
    // the Redis failure behind the 503 is logged once, with its cause
    const otherErrors = gateway.logs.filter((l) => l.level === 'error' && l !== logged);
    assert.deepEqual(
      otherErrors.map((l) => (l.err as { type?: string } | undefined)?.type),
      ['MaxRetriesPerRequestError'],
    );
  });
});
