import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@shop/platform';
import { parseGatewayConfig, parseSubgraphUrls } from './config.js';

describe('gateway config', () => {
  it('has working defaults for local development', () => {
    const config = parseGatewayConfig({});
    assert.equal(config.PORT, 4000);
    assert.equal(config.JWKS_URL, 'http://127.0.0.1:4005/.well-known/jwks.json');
    assert.match(config.SUPERGRAPH_PATH, /schema\/supergraph\.graphql$/);
  });

  it('refuses the development proof secret in production, naming the setting', () => {
    assert.throws(
      () => parseGatewayConfig({ NODE_ENV: 'production' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('config: GATEWAY_SHARED_SECRET')),
    );
    const ok = parseGatewayConfig({
      NODE_ENV: 'production',
      GATEWAY_SHARED_SECRET: 'x'.repeat(40),
    });
    assert.equal(ok.NODE_ENV, 'production');
  });

  it('parses per-subgraph URL overrides', () => {
    const urls = parseSubgraphUrls(' users=http://a:1/graphql , cart=http://b:2/graphql');
    assert.equal(urls.get('users'), 'http://a:1/graphql');
    assert.equal(urls.get('cart'), 'http://b:2/graphql');
    assert.throws(() => parseSubgraphUrls('nonsense'), /SUBGRAPH_URLS/);
  });
});
