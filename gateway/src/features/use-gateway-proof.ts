import { createHmac } from 'node:crypto';
import {
  CONTEXT_HEADERS,
  GATEWAY_PROOF_AUDIENCE,
  GATEWAY_PROOF_HEADER,
  GATEWAY_PROOF_ISSUER,
  GATEWAY_PROOF_TTL_SECONDS,
} from '@shop/platform';
import type { GatewayContext, GatewayFeature, Identity } from '../gateway-feature.js';

/** Header carrying the gateway's signed statement of who the caller is (the platform's contract). */
export const PROOF_HEADER = GATEWAY_PROOF_HEADER;
/** Identity headers a client might try to send; never forwarded. */
export const STRIPPED_HEADERS = [PROOF_HEADER, 'x-user-id', 'x-user-roles', 'authorization'];

export interface GatewayProofOptions {
  /** HS256 key shared with the subgraphs, at least 32 characters. */
  readonly secret: string;
  /** Seconds a proof is valid. @default GATEWAY_PROOF_TTL_SECONDS (60) */
  readonly ttlSeconds?: number;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Signs `{iss: "shop-gateway", aud: "shop-subgraphs", iat, exp, rid, sub?, roles?}` as a compact
 * HS256 JWS (RFC 7515). Done with node:crypto synchronously: it runs on every request, and the
 * subgraphs verify it with jose like any other JWS.
 */
export function createProofSigner(
  options: GatewayProofOptions,
): (identity: Identity | undefined, requestId: string) => string {
  const key = Buffer.from(options.secret, 'utf8');
  const ttl = options.ttlSeconds ?? GATEWAY_PROOF_TTL_SECONDS;
  return (identity, requestId) => {
    const iat = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: GATEWAY_PROOF_ISSUER,
      aud: GATEWAY_PROOF_AUDIENCE,
      iat,
      exp: iat + ttl,
      rid: requestId,
    };
    if (identity !== undefined) {
      claims.sub = identity.sub;
      claims.roles = [...identity.roles];
    }
    const input = `${HEADER}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}

/**
 * Identity to subgraphs: every subgraph request carries a fresh HS256 proof of the verified caller
 * (one signature per client request, reused by all its subgraph fetches) and the request id;
 * anything identity-like a client sent is dropped.
 */
export function useGatewayProof(options: GatewayProofOptions): GatewayFeature {
  const sign = createProofSigner(options);
  const proofFor = (context: GatewayContext | undefined): string => {
    if (context === undefined) return sign(undefined, crypto.randomUUID());
    context.proof ??= sign(context.identity, context.requestId);
    return context.proof;
  };
  return {
    name: 'gateway-proof',
    onSubgraphRequest({ request, context }) {
      const headers = request.http?.headers;
      if (headers === undefined) return;
      for (const name of STRIPPED_HEADERS) headers.delete(name);
      headers.set(PROOF_HEADER, proofFor(context));
      if (context !== undefined) headers.set(CONTEXT_HEADERS.requestId, context.requestId);
    },
  };
}
