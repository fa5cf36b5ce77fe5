// End to end through the real gateway and the real users subgraph, both as child processes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import {
  decodeProtectedHeader,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type JSONWebKeySet,
} from 'jose';
import {
  errorCode,
  gql,
  mintProof,
  repoRoot,
  startCountingProxy,
  startGateway,
  startSubgraph,
  type CountingProxy,
} from './harness.js';

const AUTH = 'accessToken refreshToken user { id roles }';
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH} } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${AUTH} } }`;
const REFRESH = `mutation ($t: String!) { refresh(refreshToken: $t) { ${AUTH} } }`;

interface Auth {
  accessToken: string;
  refreshToken: string;
  user: { id: string; roles: string[] };
}

describe('end to end: gateway + real users subgraph', () => {
  const stack = new TestStack('gwe2e');
  let users: RunningService;
  let proxy: CountingProxy;
  let jwksProxy: CountingProxy;
  const gateways: RunningService[] = [];
  let gw: string;
  let jwksUrl: string;
  let limitsEnv: Record<string, string>;

  // Anonymous limits are per IP (register: 5 a minute); behind a trusted proxy each test user comes
  // from its own address.
  const someIp = (): string =>
    `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const register = async (url = gw): Promise<Auth> => {
    const res = await gql<{ register: Auth }>(url, REGISTER, {
      headers: { 'x-forwarded-for': someIp() },
      variables: {
        input: { email: `${crypto.randomUUID()}@shop.test`, password: 'Passw0rdPassw0rd' },
      },
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.register;
  };

  before(async () => {
    const db = await stack.createDatabase('users');
    users = await startSubgraph('users', {
      ...db.mysqlEnv,
      PASSWORD_HASH_COST: '4',
      // users publishes its events through Kafka: this run's broker and topics
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      USERS_EVENTS_TOPIC: stack.ns.topic('users.events'),
      USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
      USERS_COMMAND_GROUP: stack.ns.topic('users.saga-commands'),
    });
    proxy = await startCountingProxy(users.url);
    // the gateways fetch the JWKS through a proxy that counts the fetches
    jwksProxy = await startCountingProxy(users.url);
    jwksUrl = `${users.url}/.well-known/jwks.json`;
    const env = {
      SUPERGRAPH_PATH: path.join(repoRoot, 'schema', 'supergraph.graphql'),
      SUBGRAPH_URLS: `users=${proxy.url}/graphql`,
      JWKS_URL: `${jwksProxy.url}/.well-known/jwks.json`,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      HTTP_BURST: '1000',
      HTTP_RATE_PER_SECOND: '1000',
      // the test client connects from loopback, standing in for the load balancer
      TRUST_PROXY: '127.0.0.1',
      JWKS_COOLDOWN_SECONDS: '1',
      // bursts of 100 on a loaded machine: the 1 s default is tested in redis-stall.test.ts
      REDIS_TIMEOUT_MS: '5000',
    };
    limitsEnv = { ...env, MAX_DEPTH: '2', MAX_COST: '50' };
    gateways.push(
      ...(await Promise.all([startGateway(env, 'gateway-a'), startGateway(env, 'gateway-b')])),
    );
    gw = gateways[0]!.url;
  });

  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await proxy?.close();
    await jwksProxy?.close();
    await users?.stop();
    await stack.cleanup();
  });

  it('register -> login -> me -> refresh -> reusing the old refresh token revokes the family', async () => {
    const email = `${crypto.randomUUID()}@shop.test`;
    const password = 'Passw0rdPassw0rd';
    const reg = await gql<{ register: Auth }>(gw, REGISTER, {
      variables: { input: { email, password } },
    });
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    const login = await gql<{ login: Auth }>(gw, LOGIN, {
      variables: { input: { email, password } },
    });
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    const auth = login.data!.login;
    assert.deepEqual(auth.user.roles, ['CUSTOMER']);

    const me = await gql<{ me: { id: string; email: string } }>(gw, '{ me { id email } }', {
      token: auth.accessToken,
    });
    assert.deepEqual(me.data?.me, { id: auth.user.id, email });

    const refreshed = await gql<{ refresh: Auth }>(gw, REFRESH, {
      variables: { t: auth.refreshToken },
    });
    assert.equal(refreshed.errors, undefined, JSON.stringify(refreshed.errors));
    const replay = await gql(gw, REFRESH, { variables: { t: auth.refreshToken } });
    assert.equal(errorCode(replay), 'UNAUTHENTICATED');
    const newest = await gql(gw, REFRESH, {
      variables: { t: refreshed.data!.refresh.refreshToken },
    });
    assert.equal(errorCode(newest), 'UNAUTHENTICATED');
  });

  it('tokens minted with jose (not the users signer) are all UNAUTHENTICATED', async () => {
    const real = await register();
    const jwks = (await (await fetch(jwksUrl)).json()) as JSONWebKeySet;
    const kid = decodeProtectedHeader(real.accessToken).kid!;
    const publicJwk = jwks.keys.find((k) => k.kid === kid)!;
    const stranger = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const claims = (over: Record<string, unknown> = {}) =>
      new SignJWT({ roles: ['admin'], ...over })
        .setSubject(real.user.id)
        .setIssuer('shop-users')
        .setAudience('shop-api')
        .setIssuedAt(now)
        .setExpirationTime(now + 900);
    const [header, payload] = real.accessToken.split('.') as [string, string, string];
    const tamper = (change: Record<string, unknown>): string => {
      const body = {
        ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object),
        ...change,
      };
      return `${header}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${real.accessToken.split('.')[2]}`;
    };
    const bad: Record<string, string> = {
      'forged signature (published kid, stranger key)': await claims()
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(stranger.privateKey),
      'alg none': new UnsecuredJWT({ roles: ['admin'] })
        .setSubject(real.user.id)
        .setIssuer('shop-users')
        .setAudience('shop-api')
        .setExpirationTime(now + 900)
        .encode(),
      'HS256 signed with the public key': await claims()
        .setProtectedHeader({ alg: 'HS256', kid })
        .sign(
          new TextEncoder().encode(
            await exportSPKI(
              (await importJWK(publicJwk, 'RS256', { extractable: true })) as Parameters<
                typeof exportSPKI
              >[0],
            ),
          ),
        ),
      'unknown kid': await claims()
        .setProtectedHeader({ alg: 'RS256', kid: 'no-such-kid' })
        .sign(stranger.privateKey),
      'expired (real token, payload altered)': tamper({ exp: now - 3600 }),
      'wrong aud (real token, payload altered)': tamper({ aud: 'other-api' }),
      'wrong iss (real token, payload altered)': tamper({ iss: 'evil' }),
      'roles raised to admin (real token, payload altered)': tamper({ roles: ['admin'] }),
    };
    for (const [label, token] of Object.entries(bad)) {
      const res = await gql(gw, '{ me { id } }', { token });
      assert.equal(errorCode(res), 'UNAUTHENTICATED', label);
      assert.equal(res.data ?? null, null, label);
    }
    const good = await gql<{ me: { id: string } }>(gw, '{ me { id } }', {
      token: real.accessToken,
    });
    assert.equal(good.data?.me.id, real.user.id);
  });

  it('a client-sent proof or identity header is stripped; a direct subgraph call without the proof is rejected', async () => {
    const customer = await register();
    const forged = await mintProof('users', { sub: customer.user.id, roles: ['admin'] });
    const headers = {
      'x-shop-gateway-proof': forged,
      'x-user-id': customer.user.id,
      'x-user-roles': 'admin',
    };
    const anonymous = await gql(gw, '{ me { id } }', { headers });
    assert.equal(errorCode(anonymous), 'UNAUTHENTICATED');
    const escalate = await gql(gw, 'mutation { rotateSigningKey }', {
      headers,
      token: customer.accessToken,
    });
    assert.equal(errorCode(escalate), 'FORBIDDEN');

    const direct = await fetch(`${users.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': customer.user.id },
      body: JSON.stringify({
        query: `{ _entities(representations: [{ __typename: "User", id: "${customer.user.id}" }]) { ... on User { email } } }`,
      }),
    });
    assert.equal(direct.status, 401);
    const body = (await direct.json()) as {
      errors?: { extensions?: { code?: string } }[];
      data?: unknown;
    };
    assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(body.data ?? null, null);
  });

  it('100 concurrent rateLimitProbe calls by one user over two gateways: exactly 10 succeed; another user is unaffected', async () => {
    const [alice, bob] = [await register(), await register()];
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        gql(gateways[i % 2]!.url, '{ rateLimitProbe }', { token: alice.accessToken }),
      ),
    );
    assert.equal(results.filter((r) => r.data?.rateLimitProbe === 'ok').length, 10);
    assert.equal(results.filter((r) => errorCode(r) === 'RATE_LIMITED').length, 90);
    const bobs = await gql<{ rateLimitProbe: string }>(gateways[1]!.url, '{ rateLimitProbe }', {
      token: bob.accessToken,
    });
    assert.equal(bobs.data?.rateLimitProbe, 'ok');
    const aliases = Array.from({ length: 50 }, (_, i) => `p${i}: rateLimitProbe`).join(' ');
    const carol = await register();
    // more calls than the limit allows at all: refused as bad input, nothing consumed
    assert.equal(
      errorCode(await gql(gw, `{ ${aliases} }`, { token: carol.accessToken })),
      'BAD_USER_INPUT',
    );
    const ten = Array.from({ length: 10 }, (_, i) => `p${i}: rateLimitProbe`).join(' ');
    assert.equal((await gql(gw, `{ ${ten} }`, { token: carol.accessToken })).errors, undefined);
  });

  it('a signing-key rotation logs nobody out: old tokens keep working, new ones are accepted after one JWKS refetch', async () => {
    const before = await register();
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    // users' admin mutation, called the way only the gateway could: with a proof minted here
    const adminProof = await mintProof('users', { sub: crypto.randomUUID(), roles: ['admin'] });
    const rotated = await fetch(`${users.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shop-gateway-proof': adminProof },
      body: JSON.stringify({ query: 'mutation { rotateSigningKey }' }),
    });
    const newKid = ((await rotated.json()) as { data: { rotateSigningKey: string } }).data
      .rotateSigningKey;
    assert.notEqual(newKid, oldKid);

    const after = await register();
    assert.equal(decodeProtectedHeader(after.accessToken).kid, newKid);
    const fetches = jwksProxy.count();
    // accepted as soon as the (1 s) refetch cooldown allows; until then the unknown kid is refused
    // without a fetch
    const me = await waitUntil(
      async () => {
        const res = await gql<{ me: { id: string } }>(gw, '{ me { id } }', {
          token: after.accessToken,
        });
        return res.data?.me.id;
      },
      { what: 'the new key to be accepted', timeoutMs: 15_000 },
    );
    assert.equal(me, after.user.id);
    assert.equal(jwksProxy.count() - fetches, 1, 'JWKS fetches to accept the new key');
    const old = await gql<{ me: { id: string } }>(gateways[1]!.url, '{ me { id } }', {
      token: before.accessToken,
    });
    assert.equal(old.data?.me.id, before.user.id);
  });

  it('register is limited to 5 a minute per IP (anonymous @rateLimit)', async () => {
    const ip = someIp();
    const attempt = () =>
      gql(gw, REGISTER, {
        headers: { 'x-forwarded-for': ip },
        variables: { input: { email: 'not-an-email', password: 'x' } },
      });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(errorCode(await attempt()));
    assert.deepEqual(codes, [...Array<string>(5).fill('BAD_USER_INPUT'), 'RATE_LIMITED']);
  });

  it('login is limited per client address whatever token is sent: each account held adds nothing', async () => {
    const accounts = await Promise.all(Array.from({ length: 11 }, () => register()));
    const ip = someIp();
    const codes = [];
    for (const account of accounts)
      codes.push(
        errorCode(
          await gql(gw, LOGIN, {
            token: account.accessToken,
            headers: { 'x-forwarded-for': ip },
            variables: {
              input: { email: `${crypto.randomUUID()}@shop.test`, password: 'Wr0ngPassw0rd' },
            },
          }),
        ),
      );
    assert.deepEqual(codes, [...Array<string>(10).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });

  it("guessing one email: 5 tries per 15 min per client (any spelling), while the owner's network still signs in", async () => {
    const email = `${crypto.randomUUID()}@shop.test`;
    const owner = await gql<{ register: Auth }>(gw, REGISTER, {
      headers: { 'x-forwarded-for': someIp() },
      variables: { input: { email, password: 'Passw0rdPassw0rd' } },
    });
    assert.equal(owner.errors, undefined);
    const attacker = someIp();
    const codes = [];
    for (let i = 0; i < 6; i++)
      codes.push(
        errorCode(
          await gql(gateways[i % 2]!.url, LOGIN, {
            headers: { 'x-forwarded-for': attacker },
            variables: {
              input: {
                email: i % 2 ? ` ${email.toUpperCase()}` : email,
                password: `Guess${i}Guess${i}`,
              },
            },
          }),
        ),
      );
    assert.deepEqual(codes, [...Array<string>(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    // the attacker's address may still sign in to other accounts, and the owner from elsewhere
    const other = await gql(gw, LOGIN, {
      headers: { 'x-forwarded-for': attacker },
      variables: {
        input: { email: `${crypto.randomUUID()}@shop.test`, password: 'Wr0ngPassw0rd' },
      },
    });
    assert.equal(errorCode(other), 'UNAUTHENTICATED');
    const signedIn = await gql<{ login: Auth }>(gw, LOGIN, {
      headers: { 'x-forwarded-for': someIp() },
      variables: { input: { email, password: 'Passw0rdPassw0rd' } },
    });
    assert.equal(signedIn.errors, undefined, JSON.stringify(signedIn.errors));
  });

  it('refresh (60 a minute) and logout (30 a minute) are limited per client address', async () => {
    const LOGOUT = 'mutation ($t: String!) { logout(refreshToken: $t) }';
    for (const [query, max] of [
      [REFRESH, 60],
      [LOGOUT, 30],
    ] as const) {
      const ip = someIp();
      const results = await Promise.all(
        Array.from({ length: max + 1 }, (_, i) =>
          gql(gateways[i % 2]!.url, query, {
            headers: { 'x-forwarded-for': ip },
            variables: { t: `not-a-refresh-token-${i}` },
          }),
        ),
      );
      const limited = results.filter((r) => errorCode(r) === 'RATE_LIMITED');
      assert.equal(limited.length, 1, query);
    }
  });

  it('a query over the depth or cost limit is rejected before any subgraph is called', async () => {
    const dave = await register();
    const limited = await startGateway(limitsEnv, 'gateway-limits');
    gateways.push(limited);
    const before = proxy.count();
    const deep = await gql(
      limited.url,
      `mutation { login(input: { email: "x@shop.test", password: "Passw0rdPassw0rd" }) { user { id } } }`,
    );
    assert.equal(errorCode(deep), 'BAD_USER_INPUT');
    assert.match(deep.errors?.[0]?.message ?? '', /depth/);
    const aliases = Array.from({ length: 30 }, (_, i) => `m${i}: me { id email }`).join(' ');
    const costly = await gql(limited.url, `{ ${aliases} }`, { token: dave.accessToken });
    assert.equal(errorCode(costly), 'BAD_USER_INPUT');
    assert.match(costly.errors?.[0]?.message ?? '', /cost/);
    assert.equal(proxy.count(), before, 'no subgraph request for rejected queries');

    const ok = await gql<{ me: { id: string } }>(limited.url, '{ me { id } }', {
      token: dave.accessToken,
    });
    assert.equal(ok.data?.me.id, dave.user.id);
    assert.ok(proxy.count() > before);
  });
  it('an emergency key revocation: after its next JWKS fetch the gateway refuses the tokens the key signed', async () => {
    const edge = await startGateway(
      { ...limitsEnv, MAX_DEPTH: '12', MAX_COST: '5000' },
      'gateway-revocation',
    );
    gateways.push(edge);
    const [seen, unseen] = [await register(), await register()];
    const leaked = decodeProtectedHeader(seen.accessToken).kid!;
    assert.equal(decodeProtectedHeader(unseen.accessToken).kid, leaked);
    const me = (token: string) => gql<{ me: { id: string } }>(edge.url, '{ me { id } }', { token });
    // the gateway holds the JWKS with the key in its cache
    assert.equal((await me(seen.accessToken)).data?.me.id, seen.user.id);

    const adminProof = await mintProof('users', { sub: crypto.randomUUID(), roles: ['admin'] });
    const revoked = await fetch(`${users.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shop-gateway-proof': adminProof },
      body: JSON.stringify({
        query: 'mutation ($kid: ID!) { revokeSigningKey(kid: $kid) }',
        variables: { kid: leaked },
      }),
    });
    const successor = ((await revoked.json()) as { data: { revokeSigningKey: string } }).data
      .revokeSigningKey;
    assert.notEqual(successor, leaked);

    // a token the gateway has not verified before is refused once the 1 s JWKS cache has expired
    // (one it verified stays in its verified-token cache for at most 60 s more)
    // The gateway drops the key at its next JWKS fetch: when its cache expires
    // (JWKS_CACHE_MAX_AGE_SECONDS) or, as here, when the successor's unknown kid makes it refetch.
    const fresh = await register(edge.url);
    assert.equal(decodeProtectedHeader(fresh.accessToken).kid, successor);
    const id = await waitUntil(async () => (await me(fresh.accessToken)).data?.me.id, {
      what: 'the successor key to be accepted',
      timeoutMs: 15_000,
    });
    assert.equal(id, fresh.user.id);
    // a token of the revoked key it has not verified before is refused (one it verified stays in
    // its verified-token cache for at most 60 s more)
    assert.equal(errorCode(await me(unseen.accessToken)), 'UNAUTHENTICATED');
  });
});
