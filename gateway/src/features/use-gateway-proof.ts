import { sign as signBytes, type KeyObject } from 'node:crypto';
import {
  CONTEXT_HEADERS,
  GATEWAY_PROOF_ALGORITHM,
  GATEWAY_PROOF_HEADER,
  GATEWAY_PROOF_ISSUER,
  GATEWAY_PROOF_TTL_SECONDS,
} from '@shop/platform';
import type { GatewayFeature, VerifiedToken } from '../gateway-feature.js';

/** Header carrying the gateway's signed statement of who the caller is (the platform's contract). */
export const PROOF_HEADER = GATEWAY_PROOF_HEADER;
/** Identity headers a client might try to send; never forwarded. */
export const STRIPPED_HEADERS = [PROOF_HEADER, 'x-user-id', 'x-user-roles', 'authorization'];

export interface GatewayProofOptions {
  /** The gateway's Ed25519 private key (GATEWAY_PROOF_PRIVATE_KEY); subgraphs hold its public key. */
  readonly privateKey: KeyObject;
  /** Seconds a proof is valid. @default GATEWAY_PROOF_TTL_SECONDS (30) */
  readonly ttlSeconds?: number;
}

/** One signed proof, for one subgraph. */
export interface SignedProof {
  readonly token: string;
  /** Unix seconds. */
  readonly iat: number;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: GATEWAY_PROOF_ALGORITHM, typ: 'JWT' }));

/**
 * Signs `{iss: "shop-gateway", aud: <subgraph>, iat, exp, sub?, roles?}` as a compact EdDSA
 * (Ed25519) JWS, RFC 7515/8037. Done with node:crypto synchronously (about 40 µs here); the
 * subgraphs verify it with jose like any other JWS. It holds nothing per request (the request id
 * travels in its own header), so one proof serves a caller's requests while it is fresh.
 */
export function createProofSigner(
  options: GatewayProofOptions,
): (identity: VerifiedToken | undefined, subgraph: string) => SignedProof {
  const { privateKey } = options;
  if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private')
    throw new Error('the gateway proof key must be an Ed25519 private key');
  const ttl = options.ttlSeconds ?? GATEWAY_PROOF_TTL_SECONDS;
  return (identity, subgraph) => {
    const iat = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: GATEWAY_PROOF_ISSUER,
      aud: subgraph,
      iat,
      exp: iat + ttl,
    };
    if (identity !== undefined) {
      claims.sub = identity.sub;
      claims.roles = [...identity.roles];
    }
    const input = `${HEADER}.${b64url(JSON.stringify(claims))}`;
    // Ed25519 takes no digest: the algorithm argument must be null.
    return {
      token: `${input}.${signBytes(null, Buffer.from(input), privateKey).toString('base64url')}`,
      iat,
    };
  };
}

/**
 * Identity to subgraphs: every subgraph request carries a proof of the verified caller addressed
 * to that subgraph alone (`aud`), and the request id in its own header; anything identity-like a
 * client sent is dropped.
 *
 * Signing was a tenth of this gateway's CPU when every request signed one proof per subgraph, so
 * proofs are reused: per verified token (the `VerifiedToken` object the JWT feature caches per
 * token, as a WeakMap key, so the proofs go when that token leaves its cache) or for anonymous
 * callers, per subgraph, while at least two thirds of their lifetime remain, so no request (nor a
 * slow plan's later fetch) sends a proof about to expire. A reused proof states exactly what a new
 * one would: the same caller, roles and audience. A proof was always replayable within its
 * lifetime by whoever holds it, so reuse widens nothing; a subgraph's answer to it is bounded by
 * the same 30 s.
 */
export function useGatewayProof(options: GatewayProofOptions): GatewayFeature {
  const sign = createProofSigner(options);
  const reuseSeconds = (options.ttlSeconds ?? GATEWAY_PROOF_TTL_SECONDS) / 3;
  const anonymous = new Map<string, SignedProof>();
  const signedIn = new WeakMap<VerifiedToken, Map<string, SignedProof>>();
  const proofFor = (identity: VerifiedToken | undefined, subgraph: string): string => {
    let proofs = identity === undefined ? anonymous : signedIn.get(identity);
    if (proofs === undefined && identity !== undefined)
      signedIn.set(identity, (proofs = new Map<string, SignedProof>()));
    let proof = proofs!.get(subgraph);
    if (proof === undefined || Date.now() / 1000 - proof.iat >= reuseSeconds) {
      proof = sign(identity, subgraph);
      proofs!.set(subgraph, proof);
    }
    return proof.token;
  };
  return {
    name: 'gateway-proof',
    onSubgraphRequest({ subgraph, request, context }) {
      const headers = request.http?.headers;
      if (headers === undefined) return;
      for (const name of STRIPPED_HEADERS) headers.delete(name);
      headers.set(PROOF_HEADER, proofFor(context?.identity, subgraph));
      if (context !== undefined) headers.set(CONTEXT_HEADERS.requestId, context.requestId);
    },
  };
}
