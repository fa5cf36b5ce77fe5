import { createHash } from 'node:crypto';
import { withRedisDeadline, type RedisCacheOptions } from './redis-cache.js';

/**
 * `requests` counts hit / miss / error / bypass (`catalog_search_cache_requests_total{result}`);
 * `ttlSeconds` defaults to 60, `prefix` to `'catalog:search:'`.
 */
export type SearchCacheOptions = RedisCacheOptions;

/**
 * Reads the generation and the entry in one round trip: a key is only ever looked up under the
 * generation current at the time of the lookup.
 */
const READ = `local g = redis.call('GET', KEYS[1]) or '0'
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}`;

/**
 * A read-through cache of search answers in Redis.
 *
 * Invalidation is by generation: every key embeds the catalog's generation number, and the
 * indexer bumps it after a change is searchable (`invalidate`). An answer computed before the
 * bump is stored under the old generation, which no lookup reads any more, so once the event has
 * been consumed no search can be served the old value; the TTL clears the orphans.
 *
 * Single flight: concurrent misses for one key in this process share one computation, until its
 * answer is stored. (A search that joins a computation begun just before an invalidation shares
 * its answer: staleness is bounded by one search's duration, not by the TTL.) Every Redis
 * call has a deadline (`deadlineMs`) and Redis trouble never fails a search: the call is counted
 * as an error and the answer is computed as if there were no cache.
 */
export class SearchCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly ttl: number;
  private readonly deadline: number;
  private readonly prefix: string;
  private readonly genKey: string;

  constructor(private readonly options: SearchCacheOptions) {
    this.ttl = options.ttlSeconds ?? 60;
    this.deadline = options.deadlineMs ?? 50;
    this.prefix = options.prefix ?? 'catalog:search:';
    this.genKey = `${this.prefix}generation`;
  }

  /** The cached answer for `key`, else `compute()`'s (stored for the next caller). */
  async getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const digest = createHash('sha256').update(key).digest('base64url');
    const shared = this.inflight.get(digest);
    if (shared !== undefined) return shared as Promise<T>;
    const work = this.readThrough(digest, compute);
    const value = work.then((w) => w.value);
    this.inflight.set(digest, value);
    // The entry stays until the answer is stored (or storing failed): a caller arriving between
    // the computation and the write shares it instead of computing again.
    void work
      .then(
        (w) => w.stored,
        () => undefined,
      )
      .finally(() => this.inflight.delete(digest));
    return value;
  }

  private async readThrough<T>(
    digest: string,
    compute: () => Promise<T>,
  ): Promise<{ value: T; stored: Promise<void> }> {
    const { requests } = this.options;
    let generation: string | undefined;
    try {
      const [gen, cached] = (await this.withDeadline(
        this.options.redis.eval(READ, 1, this.genKey, this.prefix, digest),
      )) as [string, string | null];
      generation = gen;
      if (cached !== null) {
        requests.inc({ result: 'hit' });
        return { value: JSON.parse(cached) as T, stored: Promise.resolve() };
      }
      requests.inc({ result: 'miss' });
    } catch (err) {
      requests.inc({ result: 'error' });
      this.options.logger.debug({ err }, 'search cache read skipped');
    }
    const value = await compute();
    if (generation === undefined) return { value, stored: Promise.resolve() };
    const key = `${this.prefix}${generation}:${digest}`;
    const stored = this.withDeadline(
      this.options.redis.set(key, JSON.stringify(value), 'EX', this.ttl),
    ).then(
      () => undefined,
      (err: unknown) => {
        requests.inc({ result: 'error' });
        this.options.logger.debug({ err }, 'search cache write skipped');
      },
    );
    return { value, stored };
  }

  /**
   * Makes every entry written so far unreachable. Throws when Redis does not answer in time:
   * the indexer then retries the event, so a change is never considered handled while an old
   * answer could still be served.
   */
  async invalidate(): Promise<void> {
    await this.withDeadline(this.options.redis.incr(this.genKey), Math.max(this.deadline, 1000));
  }

  /** Counts a search that skipped the cache on purpose (the benchmark's uncached runs). */
  bypass(): void {
    this.options.requests.inc({ result: 'bypass' });
  }

  private withDeadline<T>(work: Promise<T>, ms = this.deadline): Promise<T> {
    return withRedisDeadline(work, ms);
  }
}
