import { GATEWAY_PROOF_AUDIENCE, GATEWAY_PROOF_ISSUER, isRole } from '@shop/platform';
import { errors, jwtVerify } from 'jose';
import type { Identity } from './identity.js';

// The header, issuer and audience are the gateway contract in @shop/platform.
export { GATEWAY_PROOF_AUDIENCE, GATEWAY_PROOF_HEADER, GATEWAY_PROOF_ISSUER } from '@shop/platform';

/** The proof is missing, malformed, expired, badly signed or carries impossible claims. */
export class InvalidGatewayProofError extends Error {
  override readonly name = 'InvalidGatewayProofError';
}

const keys = new Map<string, Uint8Array>();
function keyFor(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (key === undefined) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

/**
 * Verifies the HS256 proof the gateway signs for each subgraph request and returns the caller's
 * identity. Only HS256 is accepted; `iss`, `aud`, `exp` and `iat` are required; 5 s of clock
 * skew. The gateway signs proofs for 60 s, so one issued more than 90 s ago is refused whatever
 * its `exp` says (a replayed or hand-made long-lived token).
 * @throws InvalidGatewayProofError for any problem with the token.
 */
export async function verifyGatewayProof(
  token: string | undefined,
  secret: string,
): Promise<Identity> {
  if (token === undefined || token.length === 0) throw new InvalidGatewayProofError('missing');
  try {
    const { payload } = await jwtVerify(token, keyFor(secret), {
      algorithms: ['HS256'],
      issuer: GATEWAY_PROOF_ISSUER,
      audience: GATEWAY_PROOF_AUDIENCE,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: 5,
      maxTokenAge: '90s',
    });
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
