import type { Logger } from '@shop/platform';
import type { Redis } from 'ioredis';
import type { StoredCart } from './cart.repository.js';

/**
 * Read-through cache of cart rows in Redis. The cart never depends on it: every Redis call has a
 * deadline (the client's `commandTimeout`), and a failure or timeout is a miss (read) or a logged
 * warning (write), so a stalled or dead Redis slows nothing beyond that deadline.
 *
 * Every cart write replaces the entry after it commits, and both the write and a reader's fill go
 * through one script that stores a row only if it is newer than the one cached: a reader that read
 * version 1 just before a write of version 2 cannot put 1 back over 2 (the classic read-through
 * race a plain DEL + SET has). The TTL bounds how long an entry outlives a write whose Redis call
 * failed. Prices are never cached here: they come from catalog at read time.
 */
const PUT_IF_NEWER = `
local cached = redis.call('GET', KEYS[1])
if cached and cjson.decode(cached).version >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;

export class CartCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {}

  private key = (id: string) => `${this.prefix}cart:${id}`;

  async get(id: string): Promise<StoredCart | undefined> {
    try {
      const raw = await this.redis.get(this.key(id));
      return raw === null ? undefined : (JSON.parse(raw) as StoredCart);
    } catch (err) {
      this.logger.warn({ err, cartId: id }, 'cart cache read failed; reading the database');
      return undefined;
    }
  }

  /** Caches `cart` unless a newer version is cached already. */
  async put(cart: StoredCart): Promise<void> {
    try {
      await this.redis.eval(
        PUT_IF_NEWER,
        1,
        this.key(cart.id),
        JSON.stringify(cart),
        cart.version,
        this.ttlSeconds,
      );
    } catch (err) {
      this.logger.warn({ err, cartId: cart.id }, 'cart cache write failed; the entry expires');
    }
  }
}
