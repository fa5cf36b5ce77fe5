import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '@shop/platform';
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
    const config = parse({});
    assert.equal(config.PORT, 4000);
    assert.equal(config.JWKS_URL, 'http://127.0.0.1:4005/.well-known/jwks.json');
    assert.match(config.SUPERGRAPH_PATH, /schema\/supergraph\.graphql$/);
    assert.equal(config.SUBGRAPH_URLS.size, 0);
  });

  it('refuses the development proof secret in production, naming the setting', () => {
    assert.ok(
      problems({ NODE_ENV: 'production' }).some((p) =>
        p.startsWith('config: GATEWAY_SHARED_SECRET'),
      ),
    );
    const ok = parse({ NODE_ENV: 'production', GATEWAY_SHARED_SECRET: 'x'.repeat(40) });
    assert.equal(ok.NODE_ENV, 'production');
  });

  it('parses per-subgraph URL overrides', () => {
    const { SUBGRAPH_URLS: urls } = parse({
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
      const lines = problems({ SUBGRAPH_URLS: value });
      assert.equal(lines.length, 1, value);
      assert.match(lines[0] ?? '', /^config: SUBGRAPH_URLS: /, value);
      assert.match(lines[0] ?? '', message, value);
    }
  });
});
