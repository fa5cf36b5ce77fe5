import { fileURLToPath } from 'node:url';
import { baseConfigSchema, env, isDevGatewayProofKey } from '@shop/platform';
import { z } from 'zod';
import { TrustedProxies } from './client-address.js';

/** The repository's committed supergraph (this file runs from gateway/dist/src). */
const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../../../schema/supergraph.graphql', import.meta.url),
);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `users=http://a/graphql,cart=http://b/graphql` -> map of subgraph name to URL. Each bad entry is
 * one issue; the messages name the entry, not its URL, which may carry credentials.
 */
const subgraphUrls = z
  .string()
  .default('')
  .transform((raw, ctx): ReadonlyMap<string, string> => {
    const urls = new Map<string, string>();
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    entries.forEach((entry, i) => {
      const eq = entry.indexOf('=');
      const name = eq > 0 ? entry.slice(0, eq).trim() : '';
      const url = entry.slice(eq + 1).trim();
      if (name === '') ctx.addIssue({ code: 'custom', message: `entry ${i + 1} is not name=url` });
      else if (!httpUrl.safeParse(url).success)
        ctx.addIssue({ code: 'custom', message: `${name}: expected an http(s) URL` });
      else if (urls.has(name))
        ctx.addIssue({ code: 'custom', message: `${name}: given more than once` });
      else urls.set(name, url);
    });
    return urls;
  });

/**
 * `10.0.0.0/8,fd00::/8,127.0.0.1`: the proxies whose X-Forwarded-For is believed. Empty (or the
 * old `false`): none. The old `true` (believe any sender) is refused: it let a client that reaches
 * the port directly choose its own address.
 */
const trustedProxies = z
  .string()
  .default('')
  .transform((raw, ctx): TrustedProxies => {
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0 && s !== 'false');
    if (entries.includes('true')) {
      ctx.addIssue({
        code: 'custom',
        message: 'list the proxy addresses or CIDRs to trust (e.g. 10.0.0.0/8), not true',
      });
      return z.NEVER;
    }
    try {
      return new TrustedProxies(entries);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** https, or http to this host only (a sidecar on loopback crosses no network). */
const isHttpsOrLoopback = (raw: string): boolean => {
  const url = new URL(raw);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
};

/** Every setting the gateway reads, with its default (see .env.example). */
export const gatewayConfigSchema = baseConfigSchema
  .extend({
    PORT: env.port(4000),
    HOST: env.string('127.0.0.1'),
    /** `/metrics`, `/readyz` and `/healthz`, kept off the public port; 0 picks a free port. */
    OPS_PORT: env.port(9400),
    /** Interface of the operations port. @default HOST */
    OPS_HOST: z.string().min(1).optional(),
    /** The composed supergraph; a relative path resolves from the working directory. */
    SUPERGRAPH_PATH: env.string(DEFAULT_SUPERGRAPH_PATH),
    /** Per-subgraph URL overrides, `users=http://host:port/graphql,cart=...`; others use the supergraph's URLs. */
    SUBGRAPH_URLS: subgraphUrls,
    REDIS_URL: env.url('redis://127.0.0.1:6380'),
    /** Key prefix for rate-limit counters in Redis. */
    REDIS_PREFIX: z.string().default('shop:gateway:'),
    /** Deadline of every Redis command; a limited operation fails closed (503) past it. */
    REDIS_TIMEOUT_MS: positiveInt(1000),
    JWKS_URL: env.url('http://127.0.0.1:4005/.well-known/jwks.json'),
    JWT_ISSUER: env.string('shop-users'),
    JWT_AUDIENCE: env.string('shop-api'),
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /**
     * Seconds a fetched JWKS is trusted before it is fetched again: with the 60 s verified-token
     * cache, how long a key revoked on users (`revokeSigningKey`) may still be accepted.
     */
    JWKS_CACHE_MAX_AGE_SECONDS: positiveInt(60),
    /**
     * Minimum seconds between two JWKS fetches caused by an unknown `kid`; at least 1, so tokens
     * with made-up `kid`s cannot turn the gateway into a JWKS flooder.
     */
    JWKS_COOLDOWN_SECONDS: z.coerce.number().min(1).default(5),
    /** Ed25519 private key (PEM or JWK) that signs the proofs; subgraphs hold its public key. */
    GATEWAY_PROOF_PRIVATE_KEY: env.gatewayProofKey('private'),
    /** HTTP token bucket per client IP, applied before the body is read. */
    HTTP_RATE_PER_SECOND: z.coerce.number().positive().default(50),
    HTTP_BURST: positiveInt(100),
    /** Browser origins allowed by CORS, comma-separated; `*` for any. Empty: same origin only. */
    CORS_ORIGINS: env.list(''),
    /** Proxies (addresses, CIDRs) whose X-Forwarded-For names the client; see `clientAddress`. */
    TRUST_PROXY: trustedProxies,
    MAX_BODY_BYTES: positiveInt(100_000),
    MAX_DEPTH: positiveInt(12),
    MAX_COST: positiveInt(5_000),
    MAX_ALIASES: positiveInt(60),
    MAX_BATCH: positiveInt(10),
    /** Deadline for one request to a subgraph. */
    SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
    /** Off: no subscriptions (a `subscribe` is refused), queries and mutations only. */
    SUBSCRIPTIONS_ENABLED: env.bool(true),
    /** Kafka brokers the subscriptions' event source reads (a consumer group per replica). */
    KAFKA_BROKERS: env.list('127.0.0.1:9093'),
    DELIVERY_EVENTS_TOPIC: env.string('delivery.events'),
    /** Deadline of each Kafka request (connect, join, fetch) of the event source. */
    KAFKA_TIMEOUT_MS: positiveInt(5_000),
    /**
     * Every open subscription rereads its log about this often even without an event: the safety
     * net for an event this replica's consumer never saw. Events and consumer (re)joins wake it at
     * once. The rereads are spread over the interval (see `SubscriptionHub.resyncSlice`). From 1 s
     * (a thirtieth of it per timer tick) to a day (beyond 2^31 ms a Node timer fires every 1 ms).
     */
    SUBSCRIPTION_RESYNC_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(30_000),
    /**
     * Subscriptions open at once on one socket; one more is refused with `RATE_LIMITED`. Every
     * subscription is a log read per event and per resync, so this bounds what one socket costs.
     * 20: a partner app needs one (`myAssignments`), a customer's app one per parcel in flight;
     * 20 is several times that and still a small multiple of a socket's own cost.
     */
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(20),
    /**
     * Signed-in sockets of one user open at once on this replica; one more is closed with 4429
     * right after `connection_init`. Counted per replica, not in Redis (see ws-server.ts), so with
     * R replicas behind a balancer a user holds at most R × this. 5: a phone, a tablet and a
     * browser tab, plus room for a reconnect that arrives before the server has noticed the old
     * socket is dead (a keep-alive ping every 12 s).
     */
    WS_MAX_SOCKETS_PER_USER: positiveInt(5),
    /**
     * Anonymous sockets (no token: queries and mutations only, no subscription) from one client
     * address open at once on this replica; one more is closed with 4429. Higher than the per-user
     * cap because several people can share one address (NAT).
     */
    WS_MAX_ANONYMOUS_SOCKETS_PER_IP: positiveInt(20),
    /**
     * Updates read from a subscription's log per request (delivery answers at most 200). An old
     * `after` cursor is replayed page by page, never read whole.
     */
    SUBSCRIPTION_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(50),
    /**
     * Backpressure: a subscription reads its next page only while fewer than this many updates
     * wait to be sent to its client (the socket accepts the next one only when the previous has
     * been written out), so it holds at most this + one page in memory however far behind it is.
     */
    SUBSCRIPTION_MAX_QUEUED: positiveInt(100),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ENV === 'production' && !isHttpsOrLoopback(value.JWKS_URL))
      ctx.addIssue({
        code: 'custom',
        path: ['JWKS_URL'],
        message: 'must be an https URL in production (the keys that verify every token)',
      });
    if (value.NODE_ENV === 'production' && isDevGatewayProofKey(value.GATEWAY_PROOF_PRIVATE_KEY))
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_PROOF_PRIVATE_KEY'],
        message: 'the development key must not be used in production',
      });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
