import type { Counter } from 'prom-client';
import type { GatewayFeature } from '../gateway-feature.js';

export interface HttpFloodGuardOptions {
  /** Tokens added per second per client IP. @default 50 */
  readonly ratePerSecond?: number;
  /** Bucket size: the burst one IP may send at once. @default 100 */
  readonly burst?: number;
  /** Buckets kept in memory before idle ones are swept. @default 50000 */
  readonly maxTrackedIps?: number;
  readonly rejections?: Counter<'reason'>;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * An in-memory token bucket per client IP, checked before the body is read or parsed: a flood gets
 * HTTP 429 with Retry-After and costs no GraphQL work. Per process on purpose: it protects this
 * process; the per-user limits that must be exact across replicas are @rateLimit's, in Redis.
 */
export function useHttpFloodGuard(options: HttpFloodGuardOptions = {}): GatewayFeature {
  const rate = options.ratePerSecond ?? 50;
  const burst = options.burst ?? 100;
  const maxTracked = options.maxTrackedIps ?? 50_000;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();

  const sweep = (t: number): void => {
    for (const [ip, b] of buckets)
      if (b.tokens + ((t - b.updatedAt) / 1000) * rate >= burst) buckets.delete(ip);
  };

  return {
    name: 'http-flood-guard',
    onHttpRequest({ clientIp, res }) {
      const t = now();
      let bucket = buckets.get(clientIp);
      if (bucket === undefined) {
        if (buckets.size >= maxTracked) sweep(t);
        bucket = { tokens: burst, updatedAt: t };
        buckets.set(clientIp, bucket);
      } else {
        bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.updatedAt) / 1000) * rate);
        bucket.updatedAt = t;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      options.rejections?.inc({ reason: 'flood' });
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      res
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
    },
  };
}
