import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger, type Logger } from '@shop/platform';
import { GraphQLError } from 'graphql';
import {
  errors as joseErrors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  type CryptoKey,
} from 'jose';
import type { CallerStage, GatewayFeature, VerifiedToken } from '../gateway-feature.js';
import { useJwtAuth } from './use-jwt-auth.js';

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly err?: unknown;
}

const capturingLogger = (): { logger: Logger; lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const logger = createLogger('gateway-spec', 'info', {
    write: (line: string) => {
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines };
};

/** The identity without its `expiresAt` (a moving time). */
const claims = (identity: VerifiedToken | undefined): unknown =>
  identity && { sub: identity.sub, roles: identity.roles };

const stage = (authorization: string): CallerStage => ({
  authorization,
  clientIp: '127.0.0.1',
  requestId: 'req-12345678',
});

/** The GraphQLError buildContext rejected with, as code and HTTP status. */
const rejection = async (
  feature: GatewayFeature,
  authorization: string,
): Promise<{ code: unknown; status: unknown; message: string }> => {
  try {
    await feature.buildContext?.(stage(authorization));
  } catch (err) {
    assert.ok(err instanceof GraphQLError, `expected a GraphQLError, got ${String(err)}`);
    const http = err.extensions.http as { status?: number } | undefined;
    return { code: err.extensions.code, status: http?.status, message: err.message };
  }
  assert.fail('buildContext accepted the token');
};

const listen = async (
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json` };
};

describe('useJwtAuth', () => {
  let privateKey: CryptoKey;
  let strangerKey: CryptoKey;
  let jwks: { server: Server; url: string };
  let failing: { server: Server; url: string };
  let refusedUrl: string;

  const sign = (key: CryptoKey, kid = 'k1'): Promise<string> =>
    new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('u-1')
      .setIssuer('shop-users')
      .setAudience('shop-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = await listen((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    });
    failing = await listen((_req, res) => {
      res.writeHead(502).end('bad gateway');
    });
    // a port that was just free: nothing listens there, the connection is refused
    const closed = await listen(() => undefined);
    refusedUrl = closed.url;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
  });

  after(async () => {
    for (const { server } of [jwks, failing])
      await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a valid token gives the identity; a bad signature while the JWKS is reachable is 401', async () => {
    const { logger, lines } = capturingLogger();
    const auth = useJwtAuth({ jwksUrl: jwks.url, logger });
    const ok = await auth.buildContext?.(stage(`Bearer ${await sign(privateKey)}`));
    assert.deepEqual(ok?.identity && { ...ok.identity, expiresAt: undefined }, {
      sub: 'u-1',
      roles: ['customer'],
      expiresAt: undefined,
    });
    const forged = await rejection(auth, `Bearer ${await sign(strangerKey)}`);
    assert.deepEqual(
      { code: forged.code, status: forged.status },
      { code: 'UNAUTHENTICATED', status: 401 },
    );
    const unknownKid = await rejection(auth, `Bearer ${await sign(strangerKey, 'other')}`);
    assert.equal(unknownKid.status, 401);
    const garbage = await rejection(auth, 'Bearer not.a.jwt');
    assert.equal(garbage.status, 401);
    const malformed = await rejection(auth, 'Basic dXNlcjpwYXNz');
    assert.equal(malformed.status, 401);
    assert.deepEqual(
      lines.filter((l) => l.level === 'error'),
      [],
    );
  });

  it('the Bearer scheme is case-insensitive (RFC 7235)', async () => {
    const { logger } = capturingLogger();
    const auth = useJwtAuth({ jwksUrl: jwks.url, logger });
    const token = await sign(privateKey);
    for (const scheme of ['bearer', 'BEARER', 'BeArEr'])
      assert.deepEqual(
        claims((await auth.buildContext?.(stage(`${scheme} ${token}`)))?.identity),
        { sub: 'u-1', roles: ['customer'] },
        scheme,
      );
    assert.equal((await rejection(auth, `Bearerx ${token}`)).code, 'UNAUTHENTICATED');
  });

  for (const [label, url] of [
    ['connection refused', () => refusedUrl],
    ['a non-200 answer', () => failing.url],
  ] as const)
    it(`a JWKS that cannot be fetched (${label}) is INTERNAL with 503, logged with the cause`, async () => {
      const { logger, lines } = capturingLogger();
      const auth = useJwtAuth({ jwksUrl: url(), logger });
      const res = await rejection(auth, `Bearer ${await sign(privateKey)}`);
      assert.deepEqual({ code: res.code, status: res.status }, { code: 'INTERNAL', status: 503 });
      assert.match(res.message, /temporarily unavailable/i);
      const logged = lines.find(
        (l) => l.msg === 'JWKS unavailable: access tokens cannot be verified',
      );
      assert.equal(logged?.level, 'error');
      assert.ok(logged?.err !== undefined);
    });

  it('a cached token is refused once past its exp (the cache never outlives the token)', async (t) => {
    const start = Date.now();
    t.mock.timers.enable({ apis: ['Date'], now: start });
    const { logger } = capturingLogger();
    const auth = useJwtAuth({ jwksUrl: jwks.url, logger, clockToleranceSeconds: 0 });
    const token = await new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u-1')
      .setIssuer('shop-users')
      .setAudience('shop-api')
      .setIssuedAt(Math.floor(start / 1000))
      .setExpirationTime(Math.floor(start / 1000) + 20)
      .sign(privateKey);
    // verified once: now in the cache, which would keep it up to 60 s
    const identity = (await auth.buildContext?.(stage(`Bearer ${token}`)))?.identity;
    assert.deepEqual(identity && { sub: identity.sub, roles: identity.roles }, {
      sub: 'u-1',
      roles: ['customer'],
    });
    t.mock.timers.setTime(start + 10_000);
    assert.ok((await auth.buildContext?.(stage(`Bearer ${token}`)))?.identity);
    t.mock.timers.setTime((Math.floor(start / 1000) + 21) * 1000);
    const late = await rejection(auth, `Bearer ${token}`);
    assert.deepEqual(
      { code: late.code, status: late.status },
      { code: 'UNAUTHENTICATED', status: 401 },
    );
  });

  it('refuses a token signed with another RSA algorithm by a key whose JWK has no alg', async () => {
    // a JWKS publishing the key with no `alg`: only the gateway's own pin stands between a token
    // and an algorithm the key could also verify
    const pair = await generateKeyPair('RS256', { extractable: true });
    const { alg: _alg, ...jwk } = { ...(await exportJWK(pair.publicKey)), kid: 'bare', use: 'sig' };
    const bare = await listen((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    });
    try {
      const pkcs8 = await exportPKCS8(pair.privateKey);
      const signWith = async (alg: 'RS256' | 'RS384' | 'PS256') =>
        new SignJWT({ roles: ['customer'] })
          .setProtectedHeader({ alg, kid: 'bare' })
          .setSubject('u-1')
          .setIssuer('shop-users')
          .setAudience('shop-api')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(alg === 'RS256' ? pair.privateKey : await importPKCS8(pkcs8, alg));
      const { logger } = capturingLogger();
      const auth = useJwtAuth({ jwksUrl: bare.url, logger });
      assert.deepEqual(
        claims((await auth.buildContext?.(stage(`Bearer ${await signWith('RS256')}`)))?.identity),
        {
          sub: 'u-1',
          roles: ['customer'],
        },
      );
      for (const alg of ['PS256', 'RS384'] as const) {
        const res = await rejection(auth, `Bearer ${await signWith(alg)}`);
        assert.deepEqual(
          { code: res.code, status: res.status },
          { code: 'UNAUTHENTICATED', status: 401 },
          alg,
        );
      }
    } finally {
      await new Promise<void>((resolve) => bare.server.close(() => resolve()));
    }
  });

  it('a JWKS timeout is 503 too', async () => {
    const { logger } = capturingLogger();
    const auth = useJwtAuth({
      jwksUrl: jwks.url,
      logger,
      keys: () => Promise.reject(new joseErrors.JWKSTimeout()),
    });
    const res = await rejection(auth, `Bearer ${await sign(privateKey)}`);
    assert.deepEqual({ code: res.code, status: res.status }, { code: 'INTERNAL', status: 503 });
  });
});
