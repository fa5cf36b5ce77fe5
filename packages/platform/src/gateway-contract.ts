// The contract between the gateway and the subgraphs, in one place for both sides (and for the
// users subgraph, which issues the roles): change it here and both ends change together.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** Roles a user can hold; they are also the scopes of `@requiresScopes`. */
export const ROLES = ['customer', 'partner', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * Header carrying the gateway's proof on every subgraph request: an Ed25519 (`EdDSA`) JWS with
 * `iss`, `aud` (the subgraph's name), `iat`, `exp` and, for a signed-in caller, `sub` and `roles`.
 * It says who the caller is, not which request this is (the request id has its own header), so
 * the gateway reuses one proof for a caller's requests to a subgraph while it is fresh. Only the gateway holds the private key; a subgraph holds the public key, so a
 * compromised subgraph can read proofs but not mint them, and a proof sent to one subgraph is
 * refused by every other.
 */
export const GATEWAY_PROOF_HEADER = 'x-shop-gateway-proof';
export const GATEWAY_PROOF_ISSUER = 'shop-gateway';
/** The JWS `alg` of a proof (Ed25519): the only one a subgraph accepts. */
export const GATEWAY_PROOF_ALGORITHM = 'EdDSA';
/** How long a proof is valid after it is issued. */
export const GATEWAY_PROOF_TTL_SECONDS = 30;
/** Clock skew a subgraph tolerates between its clock and the gateway's. */
export const GATEWAY_PROOF_CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Development and test keypair, committed on purpose so that `npm start` and the tests need no
 * setup: every process refuses it when NODE_ENV is production (or unset). Generate a deployment's
 * own pair with `openssl genpkey -algorithm ed25519` (see README, Security).
 */
export const DEV_GATEWAY_PROOF_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIHDLOWdHl5OvTcCq6SyP+2Ug5vcrWLT86YvZxaMyVvDz
-----END PRIVATE KEY-----
`;
export const DEV_GATEWAY_PROOF_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAcHzzRhHk4bNB3hrNO3fWIhkJRSTtMQk8jz2sD28go/0=
-----END PUBLIC KEY-----
`;

/**
 * Reads an Ed25519 key given as PEM (PKCS#8 / SPKI) or as a JWK in JSON. A private key read as
 * `public` yields its public half. Throws an Error whose message never quotes the key.
 */
export function parseGatewayProofKey(raw: string, kind: 'private' | 'public'): KeyObject {
  const text = raw.trim().replace(/\\n/g, '\n');
  let key: KeyObject;
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      key = kind === 'private' ? createPrivateKey({ key: jwk, format: 'jwk' }) : publicFromJwk(jwk);
    } else {
      key = kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
    }
  } catch {
    throw new Error(`expected an Ed25519 ${kind} key as PEM or JWK`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'a secret key'}`);
  return key;
}

function publicFromJwk(jwk: Record<string, unknown>): KeyObject {
  // A JWK with `d` is a private key; its public half is what a subgraph needs.
  if (typeof jwk.d === 'string')
    return createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' }));
  return createPublicKey({ key: jwk, format: 'jwk' });
}

const DEV_PUBLIC_DER = createPublicKey(DEV_GATEWAY_PROOF_PUBLIC_KEY).export({
  type: 'spki',
  format: 'der',
});

/** Whether `key` (private or public, any encoding) is the committed development pair. */
export const isDevGatewayProofKey = (key: KeyObject): boolean =>
  (key.type === 'private' ? createPublicKey(key) : key)
    .export({ type: 'spki', format: 'der' })
    .equals(DEV_PUBLIC_DER);
