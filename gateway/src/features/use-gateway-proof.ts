import { CONTEXT_HEADERS } from '@shop/platform';
import { SignJWT } from 'jose';
import type { GatewayContext, GatewayFeature, Identity } from '../gateway-feature.js';

/** Header carrying the gateway's signed statement of who the caller is (contract with subgraph-kit). */
export const PROOF_HEADER = 'x-shop-gateway-proof';
/** Identity headers a client might try to send; never forwarded. */
export const STRIPPED_HEADERS = [PROOF_HEADER, 'x-user-id', 'x-user-roles', 'authorization'];

export interface GatewayProofOptions {
  /** HS256 key shared with the subgraphs, at least 32 characters. */
  readonly secret: string;
  /** Seconds a proof is valid. @default 60 */
  readonly ttlSeconds?: number;
}

/** Signs `{iss: "shop-gateway", aud: "shop-subgraphs", rid, sub?, roles?}` with HS256. */
export function createProofSigner(
  options: GatewayProofOptions,
): (identity: Identity | undefined, requestId: string) => Promise<string> {
  const key = new TextEncoder().encode(options.secret);
  const ttl = options.ttlSeconds ?? 60;
  return (identity, requestId) => {
    const claims: Record<string, unknown> = { rid: requestId };
    if (identity !== undefined) claims.roles = [...identity.roles];
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('shop-gateway')
      .setAudience('shop-subgraphs')
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`);
    if (identity !== undefined) jwt.setSubject(identity.sub);
    return jwt.sign(key);
  };
}

/**
 * Identity to subgraphs: every subgraph request carries a fresh HS256 proof of the verified caller
 * (one signature per client request, reused by all its subgraph fetches) and the request id;
 * anything identity-like a client sent is dropped.
 */
export function useGatewayProof(options: GatewayProofOptions): GatewayFeature {
  const sign = createProofSigner(options);
  const proofFor = (context: GatewayContext | undefined): Promise<string> => {
    if (context === undefined) return sign(undefined, crypto.randomUUID());
    context.proof ??= sign(context.identity, context.requestId);
    return context.proof;
  };
  return {
    name: 'gateway-proof',
    async onSubgraphRequest({ request, context }) {
      const headers = request.http?.headers;
      if (headers === undefined) return;
      for (const name of STRIPPED_HEADERS) headers.delete(name);
      headers.set(PROOF_HEADER, await proofFor(context));
      if (context !== undefined) headers.set(CONTEXT_HEADERS.requestId, context.requestId);
    },
  };
}
