import type { Product } from '../domain/product.js';
import { withRedisDeadline, type RedisCacheOptions } from './redis-cache.js';

/**
 * `requests` counts hit / miss / error per product (`catalog_product_cache_requests_total`);
 * `ttlSeconds` defaults to 300, `prefix` to `'catalog:product:'`.
 */
export type ProductCacheOptions = RedisCacheOptions;

/**
 * Stores a product unless the entry holds a newer revision: `ARGV[1]` the revision, `ARGV[2]` the
 * JSON, `ARGV[3]` the TTL. Entries are `<revision>|<json>` so the guard needs no JSON decoding.
 */
const PUT_IF_NEWER = `local cur = redis.call('GET', KEYS[1])
if cur then
  local rev = tonumber(string.match(cur, '^(%d+)|'))
  if rev and rev > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * A read-through cache of products by id in Redis, one key per product.
 *
 * Freshness. Every entry carries the product's revision and is only ever replaced by an equal or
 * newer one (`PUT_IF_NEWER`, atomic in Redis). The writer puts the new revision as soon as its
 * MongoDB write is done (`put`, write-through), so the next read anywhere sees it; a reader that
 * loaded the old document just before cannot overwrite it afterwards. The indexer puts again
 * from each `catalog.product-upserted` event (event-driven: a write whose own put failed, or a
 * change made by another process, reaches the cache once its event is consumed), and the TTL
 * bounds what a failed put leaves behind. When a writer's put fails it deletes the key, and when
 * that fails too the entry may be stale until the event's put or the TTL.
 *
 * Every Redis call has a deadline and Redis trouble never fails a read: MongoDB answers.
 */
export class ProductCache {
  private readonly ttl: number;
  private readonly deadline: number;
  private readonly prefix: string;

  constructor(private readonly options: ProductCacheOptions) {
    this.ttl = options.ttlSeconds ?? 300;
    this.deadline = options.deadlineMs ?? 50;
    this.prefix = options.prefix ?? 'catalog:product:';
  }

  /** The products of `ids` from the cache, the others from `load` (then cached). */
  async getMany(
    ids: readonly string[],
    load: (ids: readonly string[]) => Promise<Map<string, Product>>,
  ): Promise<Map<string, Product>> {
    const { requests, logger } = this.options;
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const found = new Map<string, Product>();
    let cacheUp = true;
    try {
      const values = await this.withDeadline(
        this.options.redis.mget(unique.map((id) => this.key(id))),
      );
      values.forEach((v, i) => {
        if (v !== null) found.set(unique[i]!, decode(v));
      });
      requests.inc({ result: 'hit' }, found.size);
      requests.inc({ result: 'miss' }, unique.length - found.size);
    } catch (err) {
      cacheUp = false;
      requests.inc({ result: 'error' }, unique.length);
      logger.debug({ err }, 'product cache read skipped');
    }
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length === 0) return found;
    const loaded = await load(missing);
    for (const [id, product] of loaded) found.set(id, product);
    if (cacheUp)
      void Promise.all([...loaded.values()].map((p) => this.put(p))).catch((err: unknown) => {
        requests.inc({ result: 'error' });
        logger.debug({ err }, 'product cache write skipped');
      });
    return found;
  }

  /** Caches `product` unless a newer revision is there. Rejects when Redis does not answer in time. */
  async put(product: Product): Promise<void> {
    await this.withDeadline(
      this.options.redis.eval(
        PUT_IF_NEWER,
        1,
        this.key(product.id),
        String(product.revision),
        JSON.stringify(product),
        String(this.ttl),
      ),
    );
  }

  /**
   * After a write: the new revision goes in, or, if that fails, the old entry goes out. Never
   * throws: the write is done, and the event's put and the TTL are the fallback.
   */
  async refresh(product: Product): Promise<void> {
    try {
      await this.put(product);
    } catch (err) {
      this.options.logger.warn({ err, productId: product.id }, 'product cache put failed');
      await this.withDeadline(this.options.redis.del(this.key(product.id))).catch((e: unknown) =>
        this.options.logger.warn(
          { err: e, productId: product.id },
          'product cache entry may be stale until the product event or its TTL',
        ),
      );
    }
  }

  private key(id: string): string {
    return `${this.prefix}${id}`;
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    return withRedisDeadline(work, this.deadline);
  }
}

function decode(entry: string): Product {
  const raw = JSON.parse(entry.slice(entry.indexOf('|') + 1)) as Product & {
    createdAt: string;
    updatedAt: string;
  };
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}
