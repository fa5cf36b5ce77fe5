import { isRole, type Logger } from '@shop/platform';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { GatewayFeature, VerifiedToken } from '../gateway-feature.js';

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

const unauthenticated = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * jose's errors that say the token itself is bad. Anything else (connection refused, JWKSTimeout, a
 * non-200 or unparsable JWKS response) means the keys could not be had, which says nothing about
 * the token: answering 401 then would make clients drop sessions that are still valid.
 */
const TOKEN_ERRORS = [
  joseErrors.JWSInvalid,
  joseErrors.JWTInvalid,
  joseErrors.JWTClaimValidationFailed,
  joseErrors.JWTExpired,
  joseErrors.JWSSignatureVerificationFailed,
  joseErrors.JOSEAlgNotAllowed,
  joseErrors.JOSENotSupported,
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys,
];

const isTokenError = (err: unknown): boolean => TOKEN_ERRORS.some((type) => err instanceof type);

const authUnavailable = (): GraphQLError =>
  new GraphQLError('Authentication is temporarily unavailable, try again shortly', {
    extensions: { code: 'INTERNAL', http: { status: 503 } },
  });

/**
 * Verifies `Authorization: Bearer <jwt>` (the scheme in any case): RS256 only, against the users
 * JWKS (cached; an unknown `kid` refetches once per cooldown, which is how a key rotation is picked
 * up), with iss/aud/exp/nbf and a small clock tolerance. No header means an anonymous caller; any
 * bad token is UNAUTHENTICATED (401). A JWKS that cannot be fetched is INTERNAL with HTTP 503: the
 * token may well be valid.
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
  const verified = new Map<string, { identity: VerifiedToken; until: number }>();

  const verify = async (token: string): Promise<VerifiedToken> => {
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
      if (isTokenError(err)) throw unauthenticated('Invalid or expired access token');
      options.logger.error(
        { err, jwksUrl: options.jwksUrl },
        'JWKS unavailable: access tokens cannot be verified',
      );
      throw authUnavailable();
    }
    const roles = payload.roles;
    if (typeof payload.sub !== 'string' || !Array.isArray(roles) || !roles.every(isRole))
      throw unauthenticated('Invalid access token claims');
    const exp = (payload.exp ?? 0) * 1000;
    const identity: VerifiedToken = Object.freeze({
      sub: payload.sub,
      roles: Object.freeze([...roles]),
      expiresAt: exp,
    });
    if (verified.size >= cacheSize) {
      const oldest = verified.keys().next();
      if (oldest.done !== true) verified.delete(oldest.value);
    }
    verified.set(token, { identity, until: Math.min(exp, Date.now() + 60_000) });
    return identity;
  };

  return {
    name: 'jwt-auth',
    async buildContext({ authorization: header }) {
      if (header === undefined || header === '') return { identity: undefined };
      // RFC 7235: the scheme is case-insensitive; RFC 6750: one or more spaces before the token
      const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
      if (match?.[1] === undefined) throw unauthenticated('Malformed Authorization header');
      return { identity: await verify(match[1]) };
    },
  };
}
