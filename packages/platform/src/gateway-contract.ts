// The contract between the gateway and the subgraphs, in one place for both sides (and for the
// users subgraph, which issues the roles): change it here and both ends change together.

/** Roles a user can hold; they are also the scopes of `@requiresScopes`. */
export const ROLES = ['customer', 'partner', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Header carrying the gateway's proof (an HS256 JWS: sub, roles, rid) on every subgraph request. */
export const GATEWAY_PROOF_HEADER = 'x-shop-gateway-proof';
export const GATEWAY_PROOF_ISSUER = 'shop-gateway';
export const GATEWAY_PROOF_AUDIENCE = 'shop-subgraphs';
/** How long a proof is valid after it is issued. */
export const GATEWAY_PROOF_TTL_SECONDS = 60;

/** Development-only default of GATEWAY_SHARED_SECRET; every process refuses it in production. */
export const DEV_GATEWAY_SECRET = 'dev-only-gateway-proof-secret-change-me-please';
