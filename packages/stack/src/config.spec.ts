import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig, stackEndpoints } from './config.ts';

describe('stack config', () => {
  it('defaults to loopback ports away from the usual ones', () => {
    const env = stackEndpoints(loadStackConfig({}));
    assert.equal(env.MYSQL_URL, 'mysql://shop:shop@127.0.0.1:3307');
    assert.equal(env.KAFKA_BROKERS, '127.0.0.1:9093');
    assert.equal(env.ELASTICSEARCH_URL, 'http://127.0.0.1:9201');
  });

  it('takes overrides from the environment and rejects bad ports', () => {
    const cfg = loadStackConfig({ STACK_REDIS_PORT: '7000', SHOP_STACK_DIR: '/tmp/elsewhere' });
    assert.equal(cfg.redis.port, 7000);
    assert.equal(cfg.dataDir, '/tmp/elsewhere/data');
    assert.throws(
      () => loadStackConfig({ STACK_KAFKA_PORT: 'ninety' }),
      /STACK_KAFKA_PORT must be a TCP port/,
    );
  });

  it('treats an empty variable as unset', () => {
    const cfg = loadStackConfig({
      SHOP_STACK_DIR: '',
      SHOP_STACK_CACHE: '',
      STACK_KAFKA_VERSION: '',
    });
    assert.equal(cfg.stackDir, loadStackConfig({}).stackDir);
    assert.equal(cfg.cacheDir, loadStackConfig({}).cacheDir);
    assert.equal(cfg.kafka.version, loadStackConfig({}).kafka.version);
  });
});
