import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { HttpStage } from '../gateway-feature.js';
import { useHttpFloodGuard } from './use-http-flood-guard.js';

const stage = (clientIp: string): HttpStage => {
  const res = {
    writeHead: () => res,
    end: () => res,
  } as unknown as ServerResponse;
  return { req: {} as IncomingMessage, res, clientIp, requestId: 'req-12345678' };
};

describe('useHttpFloodGuard', () => {
  it('never tracks more than maxTrackedIps buckets under a flood of distinct IPs', () => {
    let t = 0;
    // a slow refill: no bucket is ever full again, so a sweep alone would remove nothing
    const guard = useHttpFloodGuard({
      ratePerSecond: 0.001,
      burst: 5,
      maxTrackedIps: 100,
      now: () => t,
    });
    for (let i = 0; i < 20_000; i++) {
      t += 0.5; // 2000 new IPs a second: sweeps are due now and then, most inserts fall between
      assert.equal(guard.onHttpRequest?.(stage(`10.0.${i >> 8}.${i & 255}`)), true);
      assert.ok(guard.trackedIps() <= 100, `${guard.trackedIps()} buckets after ${i + 1} IPs`);
    }
    assert.equal(guard.trackedIps(), 100);
  });

  it('an IP that keeps sending stays limited while new IPs push others out', () => {
    let t = 0;
    const guard = useHttpFloodGuard({
      ratePerSecond: 0.001,
      burst: 2,
      maxTrackedIps: 10,
      now: () => t,
    });
    const attacker = stage('192.0.2.1');
    assert.equal(guard.onHttpRequest?.(attacker), true);
    assert.equal(guard.onHttpRequest?.(attacker), true);
    for (let i = 0; i < 1000; i++) {
      t += 1;
      guard.onHttpRequest?.(stage(`198.51.100.${i % 50}-${i}`));
      // the attacker is seen more recently than most of the flood, so it is never evicted
      if (i % 5 === 0) assert.equal(guard.onHttpRequest?.(attacker), false, `after ${i} IPs`);
    }
    assert.ok(guard.trackedIps() <= 10);
  });

  it('a sweep drops idle (full) buckets before the least recently seen are evicted', () => {
    let t = 0;
    const guard = useHttpFloodGuard({ ratePerSecond: 1, burst: 3, maxTrackedIps: 3, now: () => t });
    const [a, b, c] = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map(stage) as [
      HttpStage,
      HttpStage,
      HttpStage,
    ];
    for (let i = 0; i < 3; i++) {
      guard.onHttpRequest?.(b);
      guard.onHttpRequest?.(c);
    }
    t = 500;
    guard.onHttpRequest?.(a); // seen last, but it used one token of three
    t = 1_600; // a is full again, b and c have 1.6 tokens
    guard.onHttpRequest?.(stage('192.0.2.4'));
    assert.equal(guard.trackedIps(), 3);
    // b kept its bucket (a fresh one would allow three more calls)
    assert.equal(guard.onHttpRequest?.(b), true);
    assert.equal(guard.onHttpRequest?.(b), false);
  });

  it('a batch costs one token per operation: charge() takes the rest or rejects the whole batch', () => {
    let t = 0;
    const guard = useHttpFloodGuard({ ratePerSecond: 1, burst: 10, now: () => t });
    const client = stage('192.0.2.7');
    // a batch of 8: one token at the HTTP stage, seven more once the body is parsed
    assert.equal(guard.onHttpRequest?.(client), true);
    assert.equal(guard.charge(client, 7), true);
    // 2 left: a batch of 3 is refused and takes nothing beyond its first token
    assert.equal(guard.onHttpRequest?.(client), true);
    assert.equal(guard.charge(client, 2), false);
    assert.equal(guard.onHttpRequest?.(client), true);
    assert.equal(guard.onHttpRequest?.(client), false);
    t = 1000;
    assert.equal(guard.charge(client, 0), true);
  });

  it('keys IPv6 clients by /64: rotating addresses inside one /64 shares one bucket', () => {
    const guard = useHttpFloodGuard({ ratePerSecond: 0.001, burst: 3, now: () => 0 });
    for (const address of [
      '2001:db8:5:6::1',
      '2001:db8:5:6::2',
      '2001:db8:5:6:abcd:ef01:2345:6789',
    ])
      assert.equal(guard.onHttpRequest?.(stage(address)), true, address);
    assert.equal(guard.onHttpRequest?.(stage('2001:db8:5:6:ffff::9')), false);
    assert.equal(guard.onHttpRequest?.(stage('2001:db8:5:7::1')), true);
    assert.equal(guard.trackedIps(), 2);
  });
});
