import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, DEV_GATEWAY_PROOF_PUBLIC_KEY, env, parseConfig } from '@shop/platform';
import { subgraphConfigSchema, subgraphServerSettings } from './config.js';

describe('subgraphConfigSchema', () => {
  // Every subgraph extends the shared schema with its own settings.
  const schema = subgraphConfigSchema(4999).extend({ MYSQL_URL: env.url('mysql://x@h/db') });

  it('unset NODE_ENV is production: the development proof key is refused, also once extended', () => {
    for (const input of [{}, { NODE_ENV: 'production' }]) {
      assert.throws(
        () => parseConfig(schema, input),
        (err) =>
          err instanceof ConfigError &&
          /^config: GATEWAY_PROOF_PUBLIC_KEY: the development key/m.test(err.message),
      );
    }
    assert.throws(
      () => parseConfig(schema, { GATEWAY_PROOF_PUBLIC_KEY: DEV_GATEWAY_PROOF_PUBLIC_KEY }),
      ConfigError,
    );
    // development and test use it by default
    for (const NODE_ENV of ['development', 'test']) {
      const config = parseConfig(schema, { NODE_ENV });
      assert.equal(config.GATEWAY_PROOF_PUBLIC_KEY.asymmetricKeyType, 'ed25519');
    }
  });

  it('refuses the development service keys in production', () => {
    const prod = { NODE_ENV: 'production' };
    assert.throws(
      () => parseConfig(schema, prod),
      (err) => err instanceof ConfigError && /SERVICE_PUBLIC_KEYS/.test(err.message),
    );
    assert.equal(
      parseConfig(schema, { NODE_ENV: 'development' }).SERVICE_PUBLIC_KEYS.has('cart'),
      true,
    );
    assert.throws(() => parseConfig(schema, { SERVICE_PUBLIC_KEYS: '{"cart":1}' }), ConfigError);
  });

  it('gives the server settings; a private key given as the public one yields its public half', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    for (const key of [
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      JSON.stringify(publicKey.export({ format: 'jwk' })),
      JSON.stringify(privateKey.export({ format: 'jwk' })),
    ]) {
      const config = parseConfig(schema, {
        GATEWAY_PROOF_PUBLIC_KEY: key,
        SERVICE_PUBLIC_KEYS: '{}',
        PORT: '4100',
      });
      const settings = subgraphServerSettings(config);
      assert.equal(settings.production, true);
      assert.equal(settings.port, 4100);
      assert.equal(settings.host, '127.0.0.1');
      assert.equal(settings.gatewayProofKey.type, 'public');
      assert.ok(
        settings.gatewayProofKey
          .export({ type: 'spki', format: 'der' })
          .equals(publicKey.export({ type: 'spki', format: 'der' })),
      );
    }
  });
});
