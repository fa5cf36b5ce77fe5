import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchLoader } from './batch-loader.js';

describe('BatchLoader', () => {
  it('loads every key requested in one tick with one batch call, deduplicated', async () => {
    const calls: (readonly number[])[] = [];
    const loader = new BatchLoader<number, string>((keys) => {
      calls.push(keys);
      return Promise.resolve(new Map(keys.filter((k) => k !== 3).map((k) => [k, `v${k}`])));
    });
    const values = await Promise.all([1, 2, 2, 3].map((k) => loader.load(k)));
    assert.deepEqual(values, ['v1', 'v2', 'v2', undefined]);
    assert.deepEqual(calls, [[1, 2, 3]]);
    assert.equal(await loader.load(1), 'v1');
    assert.equal(calls.length, 1);
  });

  it('rejects every waiter when the batch fails and retries later', async () => {
    let fail = true;
    const loader = new BatchLoader<number, number>((keys) =>
      fail ? Promise.reject(new Error('down')) : Promise.resolve(new Map(keys.map((k) => [k, k]))),
    );
    await assert.rejects(Promise.all([loader.load(1), loader.load(2)]), /down/);
    fail = false;
    assert.equal(await loader.load(1), 1);
  });
});
