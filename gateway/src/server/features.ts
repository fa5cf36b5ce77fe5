import type { Logger } from '@shop/platform';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { useAuthorization } from '../features/use-authorization.js';
import { useCors, type Cors } from '../features/use-cors.js';
import { useErrorMasking } from '../features/use-error-masking.js';
import { useGatewayProof } from '../features/use-gateway-proof.js';
import { useHttpFloodGuard, type HttpFloodGuard } from '../features/use-http-flood-guard.js';
import { useJwtAuth } from '../features/use-jwt-auth.js';
import { useOperationLimits } from '../features/use-operation-limits.js';
import { useRateLimit } from '../features/use-rate-limit.js';
import type { GatewayFeature } from '../gateway-feature.js';
import type { SupergraphPolicies } from '../supergraph.js';
import type { GatewayMetrics } from './metrics.js';

/** The feature list, in hook order, and the two features the transports also call directly. */
export interface GatewayFeatures {
  readonly all: readonly GatewayFeature[];
  readonly cors: Cors;
  readonly floodGuard: HttpFloodGuard;
}

export function createGatewayFeatures(
  config: Readonly<GatewayConfig>,
  deps: {
    readonly policies: SupergraphPolicies;
    readonly redis: Redis;
    readonly metrics: GatewayMetrics;
    readonly logger: Logger;
  },
): GatewayFeatures {
  const cors = useCors({ origins: config.CORS_ORIGINS });
  const floodGuard = useHttpFloodGuard({
    ratePerSecond: config.HTTP_RATE_PER_SECOND,
    burst: config.HTTP_BURST,
    rejections: deps.metrics.httpRejections,
    beforeReject: cors.setResponseHeaders,
  });
  const all: readonly GatewayFeature[] = [
    // First, so that CORS preflights are throttled too. Its 429 carries the CORS response headers,
    // so a browser on an allowed origin can read the Retry-After.
    floodGuard,
    cors,
    useJwtAuth({
      jwksUrl: config.JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksCacheMaxAgeSeconds: config.JWKS_CACHE_MAX_AGE_SECONDS,
      jwksCooldownSeconds: config.JWKS_COOLDOWN_SECONDS,
      logger: deps.logger,
    }),
    useOperationLimits({
      maxDepth: config.MAX_DEPTH,
      maxCost: config.MAX_COST,
      maxAliases: config.MAX_ALIASES,
    }),
    useAuthorization({ policies: deps.policies }),
    useRateLimit({
      policies: deps.policies,
      redis: deps.redis,
      keyPrefix: config.REDIS_PREFIX,
      timeoutMs: config.REDIS_TIMEOUT_MS,
      rejections: deps.metrics.rateLimitRejections,
    }),
    useGatewayProof({ privateKey: config.GATEWAY_PROOF_PRIVATE_KEY }),
    useErrorMasking({ production: config.NODE_ENV === 'production' }),
  ];
  return { all, cors, floodGuard };
}
