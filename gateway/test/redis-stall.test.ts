// A stalled Redis (a paused process keeps its connections open and answers nothing, unlike a dead
// one that refuses them) must not hang the gateway. The test pauses a redis-server of its own, not
// the stack's, so that the other test files running at the same time keep their Redis.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { freePort, waitUntil, type RunningService } from '@shop/testing';
import { Redis } from 'ioredis';
import { TestIssuer } from './fixtures/test-issuer.js';
import { startTestSubgraphs, type TestSubgraphs } from './fixtures/test-subgraphs.js';
import { errorCode, gql, opsUrl, startGateway, type GraphQLResult } from './harness.js';

const REDIS_SERVER = '/usr/bin/redis-server';

describe('a stalled Redis (SIGSTOP)', () => {
  let subgraphs: TestSubgraphs;
  let issuer: TestIssuer;
  let redis: ChildProcess;
  let gateway: RunningService;
  const killRedis = (): void => {
    redis?.kill('SIGCONT');
    redis?.kill('SIGKILL');
  };

  before(async () => {
    const port = await freePort();
    redis = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    process.once('exit', killRedis);
    const url = `redis://127.0.0.1:${port}`;
    await waitUntil(
      async () => {
        const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      },
      { what: 'the private redis-server to answer' },
    );
    subgraphs = await startTestSubgraphs();
    issuer = await TestIssuer.start();
    gateway = await startGateway({
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      SUBGRAPH_URLS: Object.entries(subgraphs.urls)
        .map(([n, u]) => `${n}=${u}`)
        .join(','),
      JWKS_URL: issuer.jwksUrl,
      REDIS_URL: url,
      HTTP_BURST: '1000',
      HTTP_RATE_PER_SECOND: '1000',
      TRUST_PROXY: '127.0.0.1',
    });
  });

  after(async () => {
    await gateway?.stop();
    await subgraphs?.close();
    await issuer?.close();
    killRedis();
  });

  /** POSTs with a client-side deadline, so the old behaviour (no answer at all) fails, not hangs. */
  const timed = async (
    query: string,
    ip: string,
  ): Promise<{ res: GraphQLResult | 'no answer'; ms: number }> => {
    const started = performance.now();
    try {
      const res = await Promise.race([
        gql(gateway.url, query, { headers: { 'x-forwarded-for': ip } }),
        new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 10_000)),
      ]);
      return { res, ms: performance.now() - started };
    } catch {
      return { res: 'no answer', ms: performance.now() - started };
    }
  };

  it('limited operations fail closed with 503 INTERNAL within the deadline, the rest keeps answering, and all recovers', async () => {
    assert.equal((await gql(gateway.url, '{ anonProbe }')).errors, undefined);
    redis.kill('SIGSTOP');
    try {
      const [limited, open] = await Promise.all([
        Promise.all(
          ['10.90.0.1', '10.90.0.2', '10.90.0.3'].map((ip) => timed('{ anonProbe }', ip)),
        ),
        timed('{ hello }', '10.90.0.4'),
      ]);
      for (const { res, ms } of limited) {
        assert.notEqual(res, 'no answer');
        if (res === 'no answer') return;
        assert.equal(errorCode(res), 'INTERNAL');
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '1');
        assert.match(res.errors?.[0]?.message ?? '', /Rate limits are unavailable/);
        assert.equal(res.data ?? null, null);
        // REDIS_TIMEOUT_MS is 1 s; a generous bound
        assert.ok(ms < 5000, `answered after ${Math.round(ms)} ms`);
      }
      assert.notEqual(open.res, 'no answer');
      if (open.res !== 'no answer') assert.equal(open.res.data?.hello, 'world');
      const ready = await fetch(`${opsUrl(gateway)}/readyz`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(ready.status, 503);
      const logged = await waitUntil(() => gateway.logs.find((l) => l.msg === 'internal error'), {
        what: 'the Redis deadline in the log',
      });
      assert.match(JSON.stringify(logged.err), /did not answer within 1000 ms|timed out/i);
    } finally {
      redis.kill('SIGCONT');
    }
    await waitUntil(async () => (await gql(gateway.url, '{ anonProbe }')).errors === undefined, {
      what: 'limited operations to pass again once Redis resumes',
    });
  });
});
