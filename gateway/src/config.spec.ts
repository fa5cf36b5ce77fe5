import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, DEV_GATEWAY_PROOF_PRIVATE_KEY, parseConfig } from '@shop/platform';
import { gatewayConfigSchema } from './config.js';

const parse = (env: NodeJS.ProcessEnv) => parseConfig(gatewayConfigSchema, env);

/** The problem lines of the ConfigError that `env` causes. */
const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    parse(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
};

describe('gateway config', () => {
  it('has working defaults for local development', () => {
    const config = parse({ NODE_ENV: 'development' });
    assert.equal(config.PORT, 4000);
    assert.equal(config.JWKS_URL, 'http://127.0.0.1:4005/.well-known/jwks.json');
    assert.match(config.SUPERGRAPH_PATH, /schema\/supergraph\.graphql$/);
    assert.equal(config.SUBGRAPH_URLS.size, 0);
  });

  it('unset NODE_ENV is production: the development proof key and an http JWKS_URL are refused', () => {
    const lines = problems({ JWKS_URL: 'http://users.internal:4005/.well-known/jwks.json' });
    assert.ok(
      lines.some((p) => p.startsWith('config: GATEWAY_PROOF_PRIVATE_KEY: the development')),
    );
    assert.ok(lines.some((p) => p.startsWith('config: JWKS_URL: must be an https URL')));
    // http to a sidecar on loopback crosses no network: allowed
    assert.ok(!problems({}).some((p) => p.startsWith('config: JWKS_URL')));
    // the committed key given explicitly, in any encoding, is refused too
    const asJwk = JSON.stringify(
      createPrivateKey(DEV_GATEWAY_PROOF_PRIVATE_KEY).export({ format: 'jwk' }),
    );
    for (const key of [DEV_GATEWAY_PROOF_PRIVATE_KEY, asJwk])
      assert.ok(
        problems({ NODE_ENV: 'production', GATEWAY_PROOF_PRIVATE_KEY: key }).some((p) =>
          p.startsWith('config: GATEWAY_PROOF_PRIVATE_KEY: the development'),
        ),
      );
  });

  it('production takes its own Ed25519 key (PEM, JWK or PEM with \\n escapes) and an https JWKS', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const key of [
      pem,
      pem.replace(/\n/g, '\\n'),
      JSON.stringify(privateKey.export({ format: 'jwk' })),
    ]) {
      const ok = parse({
        GATEWAY_PROOF_PRIVATE_KEY: key,
        JWKS_URL: 'https://users.internal/.well-known/jwks.json',
      });
      assert.equal(ok.NODE_ENV, 'production');
      assert.equal(ok.GATEWAY_PROOF_PRIVATE_KEY.asymmetricKeyType, 'ed25519');
    }
  });

  it('refuses a proof key that is not an Ed25519 private key, without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const [key, message] of [
      ['not a key', /expected an Ed25519 private key as PEM or JWK/],
      [rsa, /expected an Ed25519 key, got rsa/],
    ] as const) {
      const lines = problems({ NODE_ENV: 'development', GATEWAY_PROOF_PRIVATE_KEY: key });
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? '', message);
      assert.match(lines[0] ?? '', /got "\*\*\*"/);
    }
  });

  it('refuses a JWKS refetch cooldown under one second', () => {
    for (const value of ['0', '0.5'])
      assert.ok(
        problems({ NODE_ENV: 'development', JWKS_COOLDOWN_SECONDS: value }).some((p) =>
          p.startsWith('config: JWKS_COOLDOWN_SECONDS'),
        ),
      );
    assert.equal(
      parse({ NODE_ENV: 'development', JWKS_COOLDOWN_SECONDS: '1' }).JWKS_COOLDOWN_SECONDS,
      1,
    );
  });

  it('parses per-subgraph URL overrides', () => {
    const { SUBGRAPH_URLS: urls } = parse({
      NODE_ENV: 'development',
      SUBGRAPH_URLS: ' users=http://a:1/graphql , cart=https://b:2/graphql,',
    });
    assert.deepEqual(
      [...urls],
      [
        ['users', 'http://a:1/graphql'],
        ['cart', 'https://b:2/graphql'],
      ],
    );
  });

  it('a malformed SUBGRAPH_URLS entry is a ConfigError naming SUBGRAPH_URLS', () => {
    const cases: Record<string, RegExp> = {
      nonsense: /entry 1 is not name=url/,
      'users=http://a:1/graphql,=http://b/graphql': /entry 2 is not name=url/,
      'users=not a url': /users: expected an http\(s\) URL/,
      'users=ftp://a/graphql': /users: expected an http\(s\) URL/,
      'users=': /users: expected an http\(s\) URL/,
      'users=http://a/graphql,users=http://b/graphql': /users: given more than once/,
    };
    for (const [value, message] of Object.entries(cases)) {
      const lines = problems({ NODE_ENV: 'development', SUBGRAPH_URLS: value });
      assert.equal(lines.length, 1, value);
      assert.match(lines[0] ?? '', /^config: SUBGRAPH_URLS: /, value);
      assert.match(lines[0] ?? '', message, value);
    }
  });

  it('TRUST_PROXY is a list of proxy addresses or CIDRs; true (believe anyone) is refused', () => {
    assert.equal(parse({ NODE_ENV: 'development' }).TRUST_PROXY.has('127.0.0.1'), false);
    assert.equal(
      parse({ NODE_ENV: 'development', TRUST_PROXY: 'false' }).TRUST_PROXY.has('127.0.0.1'),
      false,
    );
    const trusted = parse({
      NODE_ENV: 'development',
      TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,fd00::/8',
    }).TRUST_PROXY;
    assert.deepEqual(
      ['10.9.8.7', '192.0.2.1', '192.0.2.2', 'fd00::1', '2001:db8::1'].map((a) => trusted.has(a)),
      [true, true, false, true, false],
    );
    assert.match(
      problems({ NODE_ENV: 'development', TRUST_PROXY: 'true' })[0] ?? '',
      /^config: TRUST_PROXY: .*not true/,
    );
    assert.match(
      problems({ NODE_ENV: 'development', TRUST_PROXY: '10.0.0.0/8,proxy.local' })[0] ?? '',
      /^config: TRUST_PROXY: "proxy.local" is not an IP address or CIDR/,
    );
  });

  it('serves operations on OPS_PORT (9400) and gives Redis a 1 s deadline by default', () => {
    const config = parse({ NODE_ENV: 'development' });
    assert.equal(config.OPS_PORT, 9400);
    assert.equal(config.OPS_HOST, undefined);
    assert.equal(config.REDIS_TIMEOUT_MS, 1000);
    assert.equal(parse({ NODE_ENV: 'development', OPS_PORT: '0' }).OPS_PORT, 0);
  });
});
