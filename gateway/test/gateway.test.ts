import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import { TestIssuer } from './fixtures/test-issuer.js';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { errorCode, gql, opsUrl, startGateway } from './harness.js';

describe('gateway over in-process test subgraphs', () => {
  const stack = new TestStack('gw');
  let subgraphs: TestSubgraphs;
  let issuer: TestIssuer;
  let gateway: RunningService;

  before(async () => {
    subgraphs = await startTestSubgraphs();
    issuer = await TestIssuer.start();
    gateway = await startGateway({
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      SUBGRAPH_URLS: Object.entries(subgraphs.urls)
        .map(([n, u]) => `${n}=${u}`)
        .join(','),
      JWKS_URL: issuer.jwksUrl,
      JWKS_COOLDOWN_SECONDS: '1',
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      HTTP_BURST: '1000',
      HTTP_RATE_PER_SECOND: '1000',
      MAX_DEPTH: '6',
      MAX_COST: '500',
      MAX_ALIASES: '20',
      MAX_BATCH: '3',
      MAX_BODY_BYTES: '4000',
      CORS_ORIGINS: 'https://shop.example',
    });
  });

  after(async () => {
    await gateway?.stop();
    await subgraphs?.close();
    await issuer?.close();
    await stack.cleanup();
  });

  it('serves /readyz (redis) and /metrics on the operations port only; /healthz on both', async () => {
    const ops = opsUrl(gateway);
    assert.notEqual(ops, gateway.url);
    for (const base of [gateway.url, ops])
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${ops}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.deepEqual(body.checks, { redis: 'ok' });
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    assert.match(metrics, /graphql_rate_limit_rejections_total/);
    // the public port answers neither: no counters for clients, no Redis PING per request
    for (const path of ['/metrics', '/readyz']) {
      const res = await fetch(`${gateway.url}${path}`);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    assert.equal((await fetch(`${ops}/graphql`)).status, 404);
  });

  it('answers an anonymous query across two subgraphs', async () => {
    const res = await gql<{ users: { id: string; orders: { total: number }[] }[] }>(
      gateway.url,
      '{ users(first: 2) { id email orders { total } } }',
    );
    assert.equal(res.errors, undefined);
    assert.equal(res.data?.users.length, 2);
    assert.equal(res.data?.users[0]?.orders[0]?.total, 42);
  });

  it('accepts or generates a request id, returns it and forwards it to subgraphs', async () => {
    const given = await gql<{ whoami: { requestId: string } }>(
      gateway.url,
      '{ whoami { requestId } }',
      {
        headers: { 'x-request-id': 'req-abc-12345' },
      },
    );
    assert.equal(given.headers.get('x-request-id'), 'req-abc-12345');
    assert.equal(given.data?.whoami.requestId, 'req-abc-12345');
    const generated = await gql<{ whoami: { requestId: string } }>(
      gateway.url,
      '{ whoami { requestId } }',
      {
        headers: { 'x-request-id': 'bad id!' },
      },
    );
    const id = generated.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(generated.data?.whoami.requestId, id);
  });

  it('forwards the verified identity in the proof and strips client-sent identity headers', async () => {
    const sub = crypto.randomUUID();
    const token = await issuer.token({ sub, roles: ['partner'] });
    const forgedProof = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.x';
    const res = await gql<{ whoami: { sub: string; roles: string[]; clientHeaderSeen: boolean } }>(
      gateway.url,
      '{ whoami { sub roles clientHeaderSeen } }',
      {
        token,
        headers: {
          'x-shop-gateway-proof': forgedProof,
          'x-user-id': 'someone-else',
          'x-user-roles': 'admin',
        },
      },
    );
    assert.deepEqual(res.data?.whoami, { sub, roles: ['partner'], clientHeaderSeen: false });
    const last = subgraphs.seen.at(-1);
    assert.notEqual(last?.headers['x-shop-gateway-proof'], forgedProof);
    assert.equal(last?.headers['x-user-roles'], undefined);
    assert.equal(last?.headers.authorization, undefined);

    const anonymous = await gql<{ whoami: { sub: string | null; roles: string[] } }>(
      gateway.url,
      '{ whoami { sub roles } }',
      { headers: { 'x-user-id': sub, 'x-user-roles': 'admin' } },
    );
    assert.deepEqual(anonymous.data?.whoami, { sub: null, roles: [] });
  });

  it('a subgraph called directly without the proof rejects the call', async () => {
    const url = subgraphs.urls.accounts ?? '';
    const direct = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'x' },
      body: JSON.stringify({
        query:
          '{ _entities(representations: [{__typename: "User", id: "u1"}]) { ... on User { email } } }',
      }),
    });
    assert.equal(direct.status, 401);
    const body = (await direct.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED');
  });

  it('rejects every bad token with 401 UNAUTHENTICATED (the JWKS is reachable) before any subgraph is called', async () => {
    const bad: Record<string, string> = {
      'forged signature': await issuer.forged(),
      'alg none': issuer.unsigned(),
      'HS256 signed with the public key': await issuer.hmacWithPublicKey(),
      expired: await issuer.token({ expiresIn: -120 }),
      'not yet valid': await issuer.token({ notBefore: Math.floor(Date.now() / 1000) + 600 }),
      'wrong audience': await issuer.token({ aud: 'someone-else' }),
      'wrong issuer': await issuer.token({ iss: 'evil' }),
      'unknown kid': await issuer.unknownKid(),
      'RS512 instead of RS256': await issuer.token({ alg: 'RS512' }),
      garbage: 'not.a.jwt',
    };
    const before = subgraphs.count();
    for (const [label, token] of Object.entries(bad)) {
      const res = await gql(gateway.url, '{ hello }', { token });
      assert.equal(errorCode(res), 'UNAUTHENTICATED', label);
      assert.equal(res.data ?? null, null, label);
      assert.equal(res.status, 401, label);
    }
    assert.equal(subgraphs.count(), before);
  });

  it('picks up a rotated key: an unknown kid refetches the JWKS once', async () => {
    const kid = await issuer.rotate(`k-${Date.now()}`);
    const fetchesBefore = issuer.fetches;
    const token = await issuer.token({ kid, roles: ['customer'] });
    // accepted once the 1 s refetch cooldown (the config's minimum) since the last fetch has passed
    const hello = await waitUntil(
      async () => (await gql<{ hello: string }>(gateway.url, '{ hello }', { token })).data?.hello,
      { what: 'the rotated key to be accepted', timeoutMs: 10_000 },
    );
    assert.equal(hello, 'world');
    assert.equal(issuer.fetches, fetchesBefore + 1);
    const old = await gql<{ hello: string }>(gateway.url, '{ hello }', {
      token: await issuer.token(),
    });
    assert.equal(old.data?.hello, 'world');
  });

  it('enforces @authenticated and @requiresScopes before any subgraph is called', async () => {
    const before = subgraphs.count();
    const anonymous = await gql(gateway.url, '{ me { id } }');
    assert.equal(errorCode(anonymous), 'UNAUTHENTICATED');
    const customer = await issuer.token({ roles: ['customer'] });
    const forbidden = await gql(gateway.url, '{ hello adminReport }', { token: customer });
    assert.equal(errorCode(forbidden), 'FORBIDDEN');
    assert.equal(forbidden.data ?? null, null);
    assert.equal(subgraphs.count(), before);

    const admin = await issuer.token({ roles: ['admin'] });
    const allowed = await gql<{ adminReport: string }>(gateway.url, '{ adminReport }', {
      token: admin,
    });
    assert.equal(allowed.data?.adminReport, 'secret numbers');
    const sub = crypto.randomUUID();
    const me = await gql<{ me: { id: string } }>(gateway.url, '{ me { id } }', {
      token: await issuer.token({ sub }),
    });
    assert.equal(me.data?.me.id, sub);
  });

  it('rejects queries over the depth, cost or alias limit before any subgraph is called', async () => {
    const before = subgraphs.count();
    const deep = await gql(
      gateway.url,
      '{ tree { child { child { child { child { child { child { name } } } } } } } }',
    );
    assert.equal(errorCode(deep), 'BAD_USER_INPUT');
    assert.match(deep.errors?.[0]?.message ?? '', /depth/);
    const costly = await gql(gateway.url, '{ users(first: 100) { id orders { id total } } }');
    assert.equal(errorCode(costly), 'BAD_USER_INPUT');
    assert.match(costly.errors?.[0]?.message ?? '', /cost/);
    const viaFragments = await gql(
      gateway.url,
      'query { users(first: 40) { ...U } } fragment U on User { id orders { id total } }',
    );
    assert.match(viaFragments.errors?.[0]?.message ?? '', /cost/);
    // a variable's default counts like the literal would: no cost bypass through a default
    const viaDefault = await gql(
      gateway.url,
      'query ($n: Int = 100) { users(first: $n) { id orders { id total } } }',
    );
    assert.equal(errorCode(viaDefault), 'BAD_USER_INPUT');
    assert.match(viaDefault.errors?.[0]?.message ?? '', /cost/);
    const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: hello`).join(' ');
    const aliased = await gql(gateway.url, `{ ${aliases} }`);
    assert.match(aliased.errors?.[0]?.message ?? '', /aliases/);
    assert.equal(subgraphs.count(), before);

    const ok = await gql<{ tree: unknown }>(gateway.url, '{ tree { child { child { name } } } }');
    assert.equal(ok.errors, undefined);
  });

  it('applies variable defaults before shaping: @include(if: $w) with a default and no variables sent', async () => {
    const query = 'query ($w: Boolean = false) { hello tree @include(if: $w) { name } }';
    const skipped = await gql<{ hello: string; tree?: unknown }>(gateway.url, query);
    assert.equal(skipped.status, 200);
    assert.equal(skipped.errors, undefined);
    assert.deepEqual(skipped.data, { hello: 'world' });
    const included = await gql<{ hello: string; tree?: unknown }>(gateway.url, query, {
      variables: { w: true },
    });
    assert.deepEqual(included.data, { hello: 'world', tree: { name: 'n0' } });
    const invalid = await gql(gateway.url, 'query ($n: Int!) { users(first: $n) { id } }', {
      variables: { n: 'many' },
    });
    assert.equal(errorCode(invalid), 'BAD_USER_INPUT');
    assert.equal(invalid.data ?? null, null);
  });

  it('limits batches and body size', async () => {
    const batch = (n: number) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: n }, () => ({ query: '{ hello }' }))),
      });
    const small = await batch(3);
    assert.equal(small.status, 200);
    assert.equal(((await small.json()) as unknown[]).length, 3);
    const big = await batch(4);
    assert.equal(big.status, 400);
    const huge = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ hello } # ${'x'.repeat(5000)}` }),
    });
    assert.equal(huge.status, 413);
  });

  it('prevents CSRF: a simple GET or text/plain POST without a preflight header is refused', async () => {
    const get = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ hello }')}`);
    assert.equal(get.status, 400);
    const plain = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    assert.equal(plain.status, 400);
    const preflighted = await fetch(
      `${gateway.url}/graphql?query=${encodeURIComponent('{ hello }')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    assert.equal(preflighted.status, 200);
  });

  it('maps errors to the shared codes and disables introspection outside development', async () => {
    const boom = await gql(gateway.url, '{ boom }');
    assert.equal(errorCode(boom), 'INTERNAL');
    const invalid = await gql(gateway.url, '{ nope }');
    assert.equal(errorCode(invalid), 'BAD_USER_INPUT');
    const introspection = await gql(gateway.url, '{ __schema { types { name } } }');
    assert.equal(errorCode(introspection), 'BAD_USER_INPUT');
  });

  it('answers CORS preflights for allowed origins only, without credentials; every answer varies on Origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    const allowed = await preflight('https://shop.example');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
    const denied = await preflight('https://evil.example');
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    const post = await gql(gateway.url, '{ hello }', {
      headers: { origin: 'https://shop.example' },
    });
    assert.equal(post.headers.get('access-control-allow-origin'), 'https://shop.example');
    // every answer varies on Origin, so a cache never hands one origin's answer to another
    const other = await gql(gateway.url, '{ hello }', {
      headers: { origin: 'https://evil.example' },
    });
    const none = await gql(gateway.url, '{ hello }');
    for (const res of [post, other, none]) assert.equal(res.headers.get('vary'), 'origin');
    for (const res of [other, none])
      assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});
