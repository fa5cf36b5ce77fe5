import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics.js';
import { startOpsServer } from './ops-server.js';

describe('ops server', async () => {
  const registry = createMetricsRegistry('test');
  new Counter({ name: 'widgets_total', help: 'widgets', registers: [registry] }).inc(3);
  let dbUp = true;
  const { server, port } = await startOpsServer({
    port: 0,
    registry,
    checks: {
      db: async () => {
        if (!dbUp) throw new Error('connection refused');
      },
      slow: () => new Promise((resolve) => setTimeout(resolve, 10)),
    },
    checkTimeoutMs: 500,
  });
  after(() => server.close());
  const base = `http://127.0.0.1:${port}`;

  it('answers /healthz while the process is up', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
  });

  it('answers /readyz 200 when every check passes and 503 naming the failing one', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    dbUp = false;
    const res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { checks: Record<string, string> };
    assert.equal(body.checks.db, 'connection refused');
    assert.equal(body.checks.slow, 'ok');
  });

  it('serves Prometheus metrics with the service label', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /widgets_total\{service="test"\} 3/);
    assert.match(text, /process_cpu_user_seconds_total/);
  });

  it('404s anything else', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});
