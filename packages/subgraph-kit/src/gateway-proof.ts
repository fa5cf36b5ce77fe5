import type { KeyObject } from 'node:crypto';
import {
  GATEWAY_PROOF_ALGORITHM,
  GATEWAY_PROOF_CLOCK_TOLERANCE_SECONDS,
  GATEWAY_PROOF_ISSUER,
  GATEWAY_PROOF_TTL_SECONDS,
  isRole,
} from '@shop/platform';
import { errors, jwtVerify } from 'jose';
import type { Identity } from './identity.js';

// The header, issuer and algorithm are the gateway contract in @shop/platform.
export { GATEWAY_PROOF_HEADER, GATEWAY_PROOF_ISSUER } from '@shop/platform';

/** The proof is missing, malformed, expired, badly signed or carries impossible claims. */
export class InvalidGatewayProofError extends Error {
  override readonly name = 'InvalidGatewayProofError';
}

/** A proof issued longer ago than this (plus the clock tolerance) is refused whatever its `exp` says. */
const MAX_AGE = `${GATEWAY_PROOF_TTL_SECONDS}s`;

/**
 * Verifies the proof the gateway signs for each subgraph request and returns the caller's
 * identity. Only EdDSA (Ed25519) under the gateway's public key is accepted, so an HS256 token
 * made with the old shared secret, or a proof signed by any other key, is refused. `aud` must be
 * this subgraph's name, alone (not in an array): a proof the gateway sent to another subgraph
 * does not work here. `iss`, `exp` and `iat` are required, with 5 s of clock skew; a proof issued more than 35 s ago is
 * refused whatever its `exp` says (a replayed or hand-made long-lived token).
 * @param audience this subgraph's name in the supergraph (`users`, `cart`...)
 * @throws InvalidGatewayProofError for any problem with the token.
 */
export async function verifyGatewayProof(
  token: string | undefined,
  publicKey: KeyObject,
  audience: string,
): Promise<Identity> {
  if (token === undefined || token.length === 0) throw new InvalidGatewayProofError('missing');
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [GATEWAY_PROOF_ALGORITHM],
      issuer: GATEWAY_PROOF_ISSUER,
      audience,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: GATEWAY_PROOF_CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: MAX_AGE,
    });
    // jose accepts an array naming this subgraph among others; the gateway signs one audience.
    if (payload.aud !== audience) throw new InvalidGatewayProofError('aud');
    const roles: unknown = payload.roles ?? [];
    if (!Array.isArray(roles) || !roles.every(isRole)) throw new InvalidGatewayProofError('roles');
    if (payload.sub !== undefined && (typeof payload.sub !== 'string' || payload.sub.length === 0))
      throw new InvalidGatewayProofError('sub');
    // A proof without a subject is an anonymous caller: it cannot hold roles.
    const userId = payload.sub;
    return userId !== undefined ? { userId, roles } : { roles: [] };
  } catch (err) {
    if (err instanceof InvalidGatewayProofError) throw err;
    if (err instanceof errors.JOSEError) throw new InvalidGatewayProofError(err.code);
    throw new InvalidGatewayProofError('malformed');
  }
}
