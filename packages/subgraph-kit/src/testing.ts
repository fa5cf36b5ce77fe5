// Test support (subpath `@shop/subgraph-kit/testing`): mints gateway proofs with jose and posts GraphQL.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  DEV_GATEWAY_PROOF_PRIVATE_KEY,
  GATEWAY_PROOF_ALGORITHM,
  GATEWAY_PROOF_HEADER,
  GATEWAY_PROOF_ISSUER,
} from '@shop/platform';
import { SignJWT } from 'jose';

/**
 * The committed development key the tests sign with: a subgraph started with NODE_ENV=test and no
 * GATEWAY_PROOF_PUBLIC_KEY verifies it (its default); production refuses it.
 */
export const TEST_GATEWAY_PROOF_KEY: KeyObject = createPrivateKey(DEV_GATEWAY_PROOF_PRIVATE_KEY);

export interface MintProofOptions {
  /** The subgraph the proof is for (its `aud`). */
  readonly audience: string;
  /** @default TEST_GATEWAY_PROOF_KEY */
  readonly key?: KeyObject;
  /** @default '30s' */
  readonly expiresIn?: string | number;
  readonly issuer?: string;
  /** @default now */
  readonly issuedAt?: number;
}

/** Mints a gateway proof with jose directly, as the contract allows tests to. */
export async function mintProof(
  claims: { sub?: string; roles?: string[] },
  options: MintProofOptions,
): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles ?? [] })
    .setProtectedHeader({ alg: GATEWAY_PROOF_ALGORITHM })
    .setIssuer(options.issuer ?? GATEWAY_PROOF_ISSUER)
    .setAudience(options.audience)
    .setIssuedAt(options.issuedAt)
    .setExpirationTime(options.expiresIn ?? '30s');
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(options.key ?? TEST_GATEWAY_PROOF_KEY);
}

/** `mintProof` bound to one subgraph: `const proof = proofMinter('cart'); await proof({ sub })`. */
export const proofMinter =
  (audience: string) =>
  (
    claims: { sub?: string; roles?: string[] } = {},
    options: Omit<MintProofOptions, 'audience'> = {},
  ): Promise<string> =>
    mintProof(claims, { audience, ...options });

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  proof?: string,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(proof !== undefined ? { [GATEWAY_PROOF_HEADER]: proof } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}
