import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRunId, TestNamespace } from './namespace.js';

describe('TestNamespace', () => {
  it('gives each run distinct, server-safe names', () => {
    const a = new TestNamespace(createRunId('Smoke Test!'));
    const b = new TestNamespace(createRunId('Smoke Test!'));
    assert.notEqual(a.runId, b.runId);
    assert.match(a.runId, /^smoketest_[a-z0-9]+$/);
    assert.match(a.database('orders'), /^[a-z0-9_]+$/);
    assert.equal(a.index('Products'), a.index('products'));
    assert.ok(a.topic('orders.events').endsWith('.orders.events'));
    assert.ok(a.database('x'.repeat(100)).length <= 64);
  });
});
