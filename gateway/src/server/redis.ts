import type { Logger } from '@shop/platform';
import { Redis } from 'ioredis';

/**
 * The gateway's Redis (rate-limit windows). `commandTimeout`: a stalled Redis (a paused process
 * keeps the connection open and answers nothing) must fail each command at its deadline, queued
 * commands included; reconnecting only helps against a dead one. `enableAutoPipelining`: the
 * rate-limit scripts of requests handled in one event-loop turn go out in one write, instead of
 * a write (and a system call) each; each keeps its own reply and deadline.
 */
export function createGatewayRedis(url: string, timeoutMs: number, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    lazyConnect: false,
    enableAutoPipelining: true,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 2000),
  });
  redis.on('error', (err) => logger.warn({ err }, 'redis error'));
  return redis;
}
