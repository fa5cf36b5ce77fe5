import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import ms from 'ms';
import type { Counter } from 'prom-client';
import type { GatewayContext, GatewayFeature } from '../gateway-feature.js';
import { concreteCoordinates } from '../operation-shape.js';
import type { RateLimitRule, SupergraphPolicies } from '../supergraph.js';

/**
 * graphql-rate-limit's sliding log (timestamps in the window; limited when
 * `inWindow + callCount > max`; rejected calls are counted too, its default) done in ONE atomic
 * Redis script, so concurrent requests on any number of gateway replicas cannot race the way the
 * library's RedisStore GET-then-SET does. Only the newest `max` entries are kept once a caller is
 * over the limit: that keeps memory bounded without changing any decision. Time is Redis' TIME, so
 * replicas with skewed clocks agree.
 *
 * KEYS: one sorted set per (caller, field). ARGV: nonce, then per key: windowMs, max, callCount.
 * Returns { index of the first key over its limit (0 = none), retry-after in ms }.
 */
export const SLIDING_LOG_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nonce = ARGV[1]
local limited = 0
local retry = 0
for i = 1, #KEYS do
  local key = KEYS[i]
  local window = tonumber(ARGV[i * 3 - 1])
  local max = tonumber(ARGV[i * 3])
  local n = tonumber(ARGV[i * 3 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  for j = 1, n do
    redis.call('ZADD', key, now, nonce .. ':' .. i .. ':' .. j)
  end
  if count + n > max then
    if limited == 0 then limited = i end
    redis.call('ZREMRANGEBYRANK', key, 0, -(max + 1))
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local r = tonumber(oldest[2]) + window - now
    if r > retry then retry = r end
  end
  redis.call('PEXPIRE', key, window)
end
return { limited, retry }
`;

export interface RateLimitOptions {
  readonly policies: SupergraphPolicies;
  readonly redis: Redis;
  /** @default "shop:gateway:" */
  readonly keyPrefix?: string;
  /** Incremented once per rejected operation, labelled with the field. */
  readonly rejections?: Counter<'field'>;
}

interface Limit {
  readonly rule: RateLimitRule;
  readonly windowMs: number;
}

interface LimitedField extends Limit {
  readonly coordinate: string;
  calls: number;
}

type RateLimitCommand = (keys: number, ...args: (string | number)[]) => Promise<[number, number]>;

/** Who is limited: the user, or the client IP for anonymous callers. */
const identify = (ctx: GatewayContext): string =>
  ctx.identity !== undefined ? `user:${ctx.identity.sub}` : `ip:${ctx.clientIp}`;

/**
 * `@rateLimit(window, max)` from the supergraph, enforced per caller before the query is planned.
 * Every occurrence of a limited field counts (50 aliases of it count 50), as graphql-rate-limit
 * counts one call per resolver run. Over the limit, the whole operation is rejected with
 * RATE_LIMITED and `retryAfter` (seconds), logged and counted.
 */
export function useRateLimit(options: RateLimitOptions): GatewayFeature {
  const prefix = options.keyPrefix ?? 'shop:gateway:';
  const limits = new Map<string, Limit>();
  for (const [coordinate, rule] of options.policies.rateLimits) {
    const windowMs = ms(rule.window as ms.StringValue);
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0)
      throw new Error(
        `supergraph: ${coordinate} @rateLimit window "${rule.window}" is not a duration`,
      );
    limits.set(coordinate, { rule, windowMs });
  }
  options.redis.defineCommand('shopRateLimit', { lua: SLIDING_LOG_SCRIPT });
  const run = (options.redis as unknown as { shopRateLimit: RateLimitCommand }).shopRateLimit.bind(
    options.redis,
  );

  return {
    name: 'rate-limit',
    async onOperation({ shape, context }) {
      if (limits.size === 0) return;
      const limited = new Map<string, LimitedField>();
      // Through an interface, every concrete field it can resolve to counts (their own limits).
      for (const coordinate of shape.fields.flatMap(concreteCoordinates)) {
        const limit = limits.get(coordinate);
        if (limit === undefined) continue;
        const entry = limited.get(coordinate);
        if (entry !== undefined) entry.calls += 1;
        else limited.set(coordinate, { ...limit, coordinate, calls: 1 });
      }
      if (limited.size === 0) return;
      const contextIdentity = identify(context);
      const fieldsInOrder = [...limited.values()];
      // The hash tag keeps one caller's keys in one slot, so the script also runs on Redis Cluster.
      // The field part is graphql-rate-limit's field identity with no identity args: the coordinate.
      const keys = fieldsInOrder.map((f) => `${prefix}rl:{${contextIdentity}}:${f.coordinate}`);
      const args = fieldsInOrder.flatMap((f) => [f.windowMs, f.rule.max, f.calls]);
      let result: [number, number];
      try {
        result = await run(keys.length, ...keys, crypto.randomUUID(), ...args);
      } catch (err) {
        // Logged once, with this cause, by the server's didEncounterErrors (code INTERNAL).
        throw new GraphQLError('Rate limiter unavailable, try again shortly', {
          originalError: err instanceof Error ? err : new Error(String(err)),
          extensions: { code: 'INTERNAL', http: { status: 503 } },
        });
      }
      const [index, retryMs] = result;
      if (index === 0) return;
      const field = fieldsInOrder[index - 1];
      if (field === undefined) return;
      const retryAfter = Math.max(1, Math.ceil(retryMs / 1000));
      options.rejections?.inc({ field: field.coordinate });
      context.logger.warn(
        {
          userId: context.identity?.sub,
          ip: context.clientIp,
          field: field.coordinate,
          calls: field.calls,
          max: field.rule.max,
          window: field.rule.window,
          retryAfter,
        },
        'rate limit exceeded',
      );
      // graphql-rate-limit's default formatError message
      throw new GraphQLError(`You are trying to access '${field.coordinate}' too often`, {
        extensions: {
          code: 'RATE_LIMITED',
          retryAfter,
          http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
        },
      });
    },
  };
}
