import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, env, parseConfig } from '@shop/platform';
import { DEV_GATEWAY_SECRET, subgraphConfigSchema, subgraphServerSettings } from './config.js';

describe('subgraphConfigSchema', () => {
  // Every subgraph extends the shared schema with its own settings.
  const schema = subgraphConfigSchema(4999).extend({ MYSQL_URL: env.url('mysql://x@h/db') });

  it('refuses the development proof secret in production, also once extended', () => {
    assert.throws(
      () => parseConfig(schema, { NODE_ENV: 'production' }),
      (err) => err instanceof ConfigError && /GATEWAY_SHARED_SECRET/.test(err.message),
    );
    assert.throws(
      () =>
        parseConfig(schema, { NODE_ENV: 'production', GATEWAY_SHARED_SECRET: DEV_GATEWAY_SECRET }),
      ConfigError,
    );
    assert.equal(parseConfig(schema, {}).GATEWAY_SHARED_SECRET, DEV_GATEWAY_SECRET);
  });

  it('refuses the development service keys in production', () => {
    const prod = { NODE_ENV: 'production', GATEWAY_SHARED_SECRET: 'p'.repeat(40) };
    assert.throws(
      () => parseConfig(schema, prod),
      (err) => err instanceof ConfigError && /SERVICE_PUBLIC_KEYS/.test(err.message),
    );
    assert.equal(parseConfig(schema, {}).SERVICE_PUBLIC_KEYS.has('cart'), true);
    assert.throws(() => parseConfig(schema, { SERVICE_PUBLIC_KEYS: '{"cart":1}' }), ConfigError);
  });

  it('gives the server settings', () => {
    const secret = 'a-production-secret-of-at-least-32-chars';
    const config = parseConfig(schema, {
      NODE_ENV: 'production',
      GATEWAY_SHARED_SECRET: secret,
      SERVICE_PUBLIC_KEYS: '{}',
      PORT: '4100',
    });
    assert.deepEqual(subgraphServerSettings(config), {
      gatewaySecret: secret,
      serviceKeys: new Map(),
      production: true,
      port: 4100,
      host: '127.0.0.1',
    });
  });
});
