// Test support (subpath `@shop/subgraph-kit/testing`): mints gateway proofs with jose and posts GraphQL.
import { GATEWAY_PROOF_AUDIENCE, GATEWAY_PROOF_HEADER, GATEWAY_PROOF_ISSUER } from '@shop/platform';
import { SignJWT } from 'jose';

export const TEST_GATEWAY_SECRET = 'test-only-gateway-proof-secret-0123456789';

/** Mints a gateway proof with jose directly, as the contract allows tests to. */
export async function mintProof(
  claims: { sub?: string; roles?: string[] } = {},
  options: { secret?: string; expiresIn?: string | number; issuer?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles ?? [], rid: 'test-request-id' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? GATEWAY_PROOF_ISSUER)
    .setAudience(GATEWAY_PROOF_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '60s');
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_GATEWAY_SECRET));
}

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
