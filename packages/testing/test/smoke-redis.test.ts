import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { TestStack } from '../src/index.js';

describe('Redis through ioredis', () => {
  const stack = new TestStack('smoke-redis');
  const redis = new Redis(stack.env.REDIS_URL, {
    keyPrefix: stack.ns.redisPrefix,
    lazyConnect: true,
  });
  after(() => redis.quit());

  it('SETs and GETs a key under the run prefix', async () => {
    await redis.connect();
    await redis.set('greeting', 'hello', 'EX', 60);
    assert.equal(await redis.get('greeting'), 'hello');
    assert.ok((await redis.ttl('greeting')) > 0);
    // The prefix is applied on the server side key name.
    const raw = new Redis(stack.env.REDIS_URL);
    try {
      assert.equal(await raw.get(`${stack.ns.redisPrefix}greeting`), 'hello');
    } finally {
      raw.disconnect();
    }
  });
});
