import type { Logger } from '@shop/platform';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { GatewayFeature, Identity } from '../gateway-feature.js';

export interface JwtAuthOptions {
  /** Where users publishes its public keys. */
  readonly jwksUrl: string;
  /** @default "shop-users" */
  readonly issuer?: string;
  /** @default "shop-api" */
  readonly audience?: string;
  /** Allowed clock difference for exp/nbf/iat. @default 30 */
  readonly clockToleranceSeconds?: number;
  /** How long a fetched JWKS is used before it is fetched again. @default 600 */
  readonly jwksCacheMaxAgeSeconds?: number;
  /** An unknown `kid` triggers a refetch at most this often. @default 5 */
  readonly jwksCooldownSeconds?: number;
  /** Verified tokens remembered (keyed by the token) for at most 60 s and never past exp. @default 10000 */
  readonly cacheSize?: number;
  readonly logger: Logger;
  /** For tests: a key resolver instead of the remote JWKS. */
  readonly keys?: JWTVerifyGetKey;
}

const ROLES = new Set(['customer', 'partner', 'admin']);

const unauthenticated = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * Verifies `Authorization: Bearer <jwt>`: RS256 only, against the users JWKS (cached; an unknown
 * `kid` refetches once per cooldown, which is how a key rotation is picked up), with iss/aud/exp/nbf
 * and a small clock tolerance. No header means an anonymous caller; any bad token is UNAUTHENTICATED.
 */
export function useJwtAuth(options: JwtAuthOptions): GatewayFeature {
  const keys =
    options.keys ??
    createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: (options.jwksCacheMaxAgeSeconds ?? 600) * 1000,
      cooldownDuration: (options.jwksCooldownSeconds ?? 5) * 1000,
      timeoutDuration: 3000,
    });
  const issuer = options.issuer ?? 'shop-users';
  const audience = options.audience ?? 'shop-api';
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, { identity: Identity; until: number }>();

  const verify = async (token: string): Promise<Identity> => {
    const hit = verified.get(token);
    if (hit !== undefined && hit.until > Date.now()) return hit.identity;
    verified.delete(token);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer,
        audience,
        clockTolerance,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      if (!(err instanceof joseErrors.JOSEError) || err instanceof joseErrors.JWKSTimeout)
        options.logger.warn({ err }, 'access token could not be verified');
      throw unauthenticated('Invalid or expired access token');
    }
    const roles = payload.roles;
    if (
      typeof payload.sub !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((r): r is string => typeof r === 'string' && ROLES.has(r))
    )
      throw unauthenticated('Invalid access token claims');
    const identity: Identity = Object.freeze({
      sub: payload.sub,
      roles: Object.freeze([...roles]),
    });
    if (verified.size >= cacheSize) {
      const oldest = verified.keys().next();
      if (oldest.done !== true) verified.delete(oldest.value);
    }
    const exp = (payload.exp ?? 0) * 1000;
    verified.set(token, { identity, until: Math.min(exp, Date.now() + 60_000) });
    return identity;
  };

  return {
    name: 'jwt-auth',
    async buildContext({ req }) {
      const header = req.headers.authorization;
      if (header === undefined || header === '') return { identity: undefined };
      const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
      if (match?.[1] === undefined) throw unauthenticated('Malformed Authorization header');
      return { identity: await verify(match[1]) };
    },
  };
}
