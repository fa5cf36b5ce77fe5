import { createHash } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import ms from 'ms';
import type { Counter } from 'prom-client';
import { clientKey } from '../client-address.js';
import type { GatewayContext, GatewayFeature } from '../gateway-feature.js';
import type { RateLimitRule, SupergraphPolicies } from '../supergraph.js';
import { collectLimitedCalls } from './limited-calls.js';

/**
 * graphql-rate-limit's sliding log (call timestamps in the window; limited when
 * `inWindow + callCount > max`) in ONE atomic Redis script, so concurrent requests on any number of
 * gateway replicas cannot race the way the library's RedisStore GET-then-SET does. Two phases:
 * every key is checked first, and only when all of them have room are the calls recorded, in all
 * of them. Unlike the library, a rejected operation records nothing: otherwise one request a
 * minute with `max` aliased calls would keep a shared address (an office, a carrier NAT) blocked
 * for everyone behind it. Time is Redis' TIME, so replicas with skewed clocks agree.
 *
 * KEYS: one sorted set per (rule, identity). ARGV: nonce, then per key: windowMs, max, callCount.
 * Returns { index of the first key without room (0 = none, all recorded), retry-after in ms }:
 * the time until enough of the oldest calls leave the window for this operation's calls to fit.
 */
export const SLIDING_LOG_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limited = 0
local retry = 0
for i = 1, #KEYS do
  local key = KEYS[i]
  local window = tonumber(ARGV[i * 3 - 1])
  local max = tonumber(ARGV[i * 3])
  local n = tonumber(ARGV[i * 3 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count + n > max then
    if limited == 0 then limited = i end
    local r = window
    if n <= max then
      local oldest = redis.call('ZRANGE', key, count + n - max - 1, count + n - max - 1, 'WITHSCORES')
      r = tonumber(oldest[2]) + window - now
    end
    if r > retry then retry = r end
  end
end
if limited > 0 then return { limited, retry } end
local nonce = ARGV[1]
for i = 1, #KEYS do
  local key = KEYS[i]
  for j = 1, tonumber(ARGV[i * 3 + 1]) do
    redis.call('ZADD', key, now, nonce .. ':' .. i .. ':' .. j)
  end
  redis.call('PEXPIRE', key, tonumber(ARGV[i * 3 - 1]))
end
return { 0, 0 }
`;

export interface RateLimitOptions {
  readonly policies: SupergraphPolicies;
  readonly redis: Redis;
  /** @default "shop:gateway:" */
  readonly keyPrefix?: string;
  /**
   * Deadline for the Redis check. Past it (a stalled or unreachable Redis) a limited operation fails
   * closed with 503 INTERNAL, never waits. @default 1000
   */
  readonly timeoutMs?: number;
  /** Incremented once per rejected operation, labelled with the field. */
  readonly rejections?: Counter<'field'>;
}

interface Limit {
  readonly coordinate: string;
  readonly rule: RateLimitRule;
  readonly windowMs: number;
  /** Part of the Redis key: the rule's own settings, so a changed rule starts a fresh window. */
  readonly id: string;
}

/** All the calls of one operation that count in one Redis key. */
interface Bucket {
  readonly limit: Limit;
  calls: number;
}

type RateLimitCommand = (keys: number, ...args: (string | number)[]) => Promise<[number, number]>;

class RedisDeadline extends Error {
  override readonly name = 'RedisDeadlineError';
}

/** Whose window a call counts in (see RateLimitBy). IPv6 clients are keyed by their /64. */
const identify = (limit: Limit, ctx: GatewayContext, args: Record<string, unknown>): string => {
  const { by, identityArgs } = limit.rule;
  const who =
    by === 'args'
      ? 'any'
      : by === 'caller' && ctx.identity !== undefined
        ? `user:${ctx.identity.sub}`
        : `ip:${clientKey(ctx.clientIp)}`;
  if (identityArgs.length === 0) return who;
  // Strings compared as users compares emails (trimmed, lower case), so `Victim@x` and `victim@x`
  // share a window. Hashed: no email address sits in Redis key names.
  const values = identityArgs.map((p) => {
    const v = args[p];
    return typeof v === 'string' ? v.normalize('NFKC').trim().toLowerCase() : (v ?? null);
  });
  const digest = createHash('sha256').update(JSON.stringify(values)).digest('base64url');
  return `${who}:${digest.slice(0, 22)}`;
};

/**
 * `@rateLimit(window, max, by, identityArgs)` from the supergraph, enforced before the query is
 * planned. Every call of a limited field counts (50 aliases count 50, a fragment spread twice
 * counts twice), as graphql-rate-limit counts one call per resolver run. An operation that alone
 * calls a field more than `max` times can never pass: it is refused with BAD_USER_INPUT and
 * consumes nothing. Over a limit, the whole operation is rejected with RATE_LIMITED and
 * `retryAfter` (seconds), logged and counted, and nothing is recorded.
 */
export function useRateLimit(options: RateLimitOptions): GatewayFeature {
  const prefix = options.keyPrefix ?? 'shop:gateway:';
  const timeoutMs = options.timeoutMs ?? 1000;
  const limits = new Map<string, Limit[]>();
  /** The argument paths each limited coordinate's rules read. */
  const argPaths = new Map<string, string[]>();
  for (const [coordinate, rules] of options.policies.rateLimits) {
    for (const rule of rules) {
      const windowMs = ms(rule.window as ms.StringValue);
      if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0)
        throw new Error(
          `supergraph: ${coordinate} @rateLimit window "${rule.window}" is not a duration`,
        );
      const id = `${rule.by}(${rule.identityArgs.join(',')})/${windowMs}/${rule.max}`;
      limits.set(coordinate, [
        ...(limits.get(coordinate) ?? []),
        { coordinate, rule, windowMs, id },
      ]);
      argPaths.set(coordinate, [
        ...new Set([...(argPaths.get(coordinate) ?? []), ...rule.identityArgs]),
      ]);
    }
  }
  options.redis.defineCommand('shopRateLimit', { lua: SLIDING_LOG_SCRIPT });
  const run = (options.redis as unknown as { shopRateLimit: RateLimitCommand }).shopRateLimit.bind(
    options.redis,
  );

  const check = async (keys: string[], args: (string | number)[]): Promise<[number, number]> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        run(keys.length, ...keys, crypto.randomUUID(), ...args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RedisDeadline(`Redis did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const reject = (context: GatewayContext, bucket: Bucket, details: object): void => {
    options.rejections?.inc({ field: bucket.limit.coordinate });
    context.logger.warn(
      {
        userId: context.identity?.sub,
        ip: context.clientIp,
        field: bucket.limit.coordinate,
        by: bucket.limit.rule.by,
        identityArgs: bucket.limit.rule.identityArgs,
        calls: bucket.calls,
        max: bucket.limit.rule.max,
        window: bucket.limit.rule.window,
        ...details,
      },
      'rate limit exceeded',
    );
  };

  return {
    name: 'rate-limit',
    async onOperation({ schema, document, operation, variables, context }) {
      if (limits.size === 0) return;
      const buckets = new Map<string, Bucket>();
      for (const call of collectLimitedCalls(schema, document, operation, variables, argPaths)) {
        for (const limit of limits.get(call.coordinate) ?? []) {
          // One hash tag for every rate-limit key: one operation's keys mix identities (a client, an
          // email), and a Lua script may only touch keys of one Redis Cluster slot.
          const key = `${prefix}rl:{rl}:${call.coordinate}:${limit.id}:${identify(limit, context, call.args)}`;
          const bucket = buckets.get(key);
          if (bucket === undefined) buckets.set(key, { limit, calls: call.count });
          else bucket.calls = Math.min(2 ** 31, bucket.calls + call.count);
        }
      }
      if (buckets.size === 0) return;
      const inOrder = [...buckets.entries()];
      for (const [, bucket] of inOrder) {
        if (bucket.calls <= bucket.limit.rule.max) continue;
        reject(context, bucket, { alone: true });
        throw new GraphQLError(
          `This operation calls '${bucket.limit.coordinate}' ${bucket.calls} times; at most ${bucket.limit.rule.max} calls are allowed per ${bucket.limit.rule.window}`,
          { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
        );
      }
      let result: [number, number];
      try {
        result = await check(
          inOrder.map(([key]) => key),
          inOrder.flatMap(([, b]) => [b.limit.windowMs, b.limit.rule.max, b.calls]),
        );
      } catch (err) {
        // Fail closed: a limit that cannot be checked is not lifted. Logged once, with this cause,
        // by the server's didEncounterErrors (code INTERNAL). A script that a stalled Redis runs
        // once it resumes still records its calls although they were refused: strict, never lax.
        throw new GraphQLError('Rate limits are unavailable; try again shortly', {
          originalError: err instanceof Error ? err : new Error(String(err)),
          extensions: {
            code: 'INTERNAL',
            http: { status: 503, headers: new HeaderMap([['retry-after', '1']]) },
          },
        });
      }
      const [index, retryMs] = result;
      const bucket = inOrder[index - 1]?.[1];
      if (index === 0 || bucket === undefined) return;
      const retryAfter = Math.max(1, Math.ceil(retryMs / 1000));
      reject(context, bucket, { retryAfter });
      // graphql-rate-limit's default formatError message
      throw new GraphQLError(`You are trying to access '${bucket.limit.coordinate}' too often`, {
        extensions: {
          code: 'RATE_LIMITED',
          retryAfter,
          http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
        },
      });
    },
  };
}
