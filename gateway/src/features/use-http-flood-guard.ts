import type { Counter } from 'prom-client';
import { clientKey } from '../client-address.js';
import type { GatewayFeature, HttpStage } from '../gateway-feature.js';

export interface HttpFloodGuardOptions {
  /** Tokens added per second per client IP. @default 50 */
  readonly ratePerSecond?: number;
  /** Bucket size: the burst one IP may send at once. @default 100 */
  readonly burst?: number;
  /**
   * Most buckets kept in memory. At the limit, idle (full) buckets are swept at most once a second,
   * then the least recently seen are evicted. @default 50000
   */
  readonly maxTrackedIps?: number;
  readonly rejections?: Counter<'reason'>;
  /**
   * Called before a 429 is written, to add headers: the gateway adds its CORS headers, without
   * which a browser on another origin cannot read the status or Retry-After. @default none
   */
  readonly beforeReject?: (stage: HttpStage) => void;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface HttpFloodGuard extends GatewayFeature {
  /** Buckets currently held (never more than `maxTrackedIps`). */
  readonly trackedIps: () => number;
  /**
   * Takes `count` more tokens for a request already let through (a batch of N operations costs N:
   * one at `onHttpRequest`, N - 1 here). Without that many tokens, nothing is taken, the 429 is
   * written and false returned.
   */
  readonly charge: (stage: HttpStage, count: number) => boolean;
  /**
   * Takes one token for a message that has no HTTP response to answer on (a WebSocket upgrade, a
   * `subscribe` message); false when the client is over its rate, the caller refuses it.
   */
  readonly admit: (clientIp: string) => boolean;
}

const SWEEP_INTERVAL_MS = 1000;

/**
 * An in-memory token bucket per client address (an IPv6 client per /64), checked before the body is read or parsed: a flood gets
 * HTTP 429 with Retry-After and costs no GraphQL work. Per process on purpose: it protects this
 * process; the per-user limits that must be exact across replicas are @rateLimit's, in Redis.
 */
export function useHttpFloodGuard(options: HttpFloodGuardOptions = {}): HttpFloodGuard {
  const rate = options.ratePerSecond ?? 50;
  const burst = options.burst ?? 100;
  const maxTracked = options.maxTrackedIps ?? 50_000;
  const now = options.now ?? (() => performance.now());
  // Kept in order of last use (a bucket is re-inserted when seen), so the first keys are the
  // least recently seen IPs.
  const buckets = new Map<string, Bucket>();
  let lastSweep = -Infinity;

  /** Brings the map below the limit so one more bucket fits. */
  const makeRoom = (t: number): void => {
    // A full sweep is O(n): under a flood of new IPs it would run for every request, so at most
    // once a second; in between, the least recently seen buckets are evicted instead.
    if (t - lastSweep >= SWEEP_INTERVAL_MS) {
      lastSweep = t;
      for (const [ip, b] of buckets)
        if (b.tokens + ((t - b.updatedAt) / 1000) * rate >= burst) buckets.delete(ip);
    }
    for (const ip of buckets.keys()) {
      if (buckets.size < maxTracked) break;
      buckets.delete(ip);
    }
  };

  /** The client's bucket, refilled to now and moved to the most recently seen end. */
  const bucketOf = (key: string, t: number): Bucket => {
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxTracked) makeRoom(t);
      bucket = { tokens: burst, updatedAt: t };
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.updatedAt) / 1000) * rate);
      bucket.updatedAt = t;
      buckets.delete(key);
    }
    buckets.set(key, bucket);
    return bucket;
  };

  /** Takes `count` tokens, or none and answers the seconds to wait. */
  const takeTokens = (clientIp: string, count: number): number | undefined => {
    const bucket = bucketOf(clientKey(clientIp), now());
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return undefined;
    }
    options.rejections?.inc({ reason: 'flood' });
    return Math.max(1, Math.ceil((count - bucket.tokens) / rate));
  };

  const take = (stage: HttpStage, count: number): boolean => {
    const retryAfter = takeTokens(stage.clientIp, count);
    if (retryAfter === undefined) return true;
    options.beforeReject?.(stage);
    stage.res
      .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) })
      .end(
        JSON.stringify({
          errors: [
            {
              message: 'Too many requests',
              extensions: { code: 'RATE_LIMITED', retryAfter },
            },
          ],
        }),
      );
    return false;
  };

  return {
    name: 'http-flood-guard',
    trackedIps: () => buckets.size,
    onHttpRequest: (stage) => take(stage, 1),
    charge: (stage, count) => count <= 0 || take(stage, count),
    admit: (clientIp) => takeTokens(clientIp, 1) === undefined,
  };
}
