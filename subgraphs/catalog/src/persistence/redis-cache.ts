import type { Logger } from '@shop/platform';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';

/** What each of catalog's Redis caches (search answers, products by id) is given. */
export interface RedisCacheOptions {
  readonly redis: Redis;
  readonly logger: Logger;
  /** Lookups by result: hit, miss, error (Redis failed or late), and the cache's own. */
  readonly requests: Counter<'result'>;
  /** Seconds an entry lives even if nothing refreshes or invalidates it (default: per cache). */
  readonly ttlSeconds?: number;
  /** Deadline of every Redis call: past it the cache is skipped, the answer computed. @default 50 */
  readonly deadlineMs?: number;
  /** Key prefix (default: per cache). */
  readonly prefix?: string;
}

/** `work`, or a rejection once Redis has not answered for `ms`. */
export function withRedisDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
