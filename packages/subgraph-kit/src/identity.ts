import { ForbiddenError, UnauthenticatedError, type Role } from '@shop/platform';

// Roles (the scopes of `@requiresScopes`) are part of the gateway contract in @shop/platform.
export { isRole, ROLES, type Role } from '@shop/platform';

/** Who is calling, as vouched for by the gateway proof. Anonymous callers have no `userId`. */
export interface Identity {
  readonly userId?: string;
  readonly roles: readonly Role[];
  /** Set (with no `userId` and no roles) when another service calls as itself; see service-caller.ts. */
  readonly service?: string;
}

export const hasRole = (identity: Identity, role: Role): boolean => identity.roles.includes(role);

/** True when the caller is signed in as `ownerId` or is an admin. */
export const isSelfOrAdmin = (identity: Identity, ownerId: string): boolean =>
  identity.userId !== undefined && (identity.userId === ownerId || hasRole(identity, 'admin'));

/**
 * The error for a caller who may not see `what` (e.g. "this cart"): UNAUTHENTICATED when
 * anonymous (signing in may help), FORBIDDEN otherwise.
 */
export const accessDenied = (
  identity: Identity,
  what: string,
): UnauthenticatedError | ForbiddenError =>
  identity.userId === undefined
    ? new UnauthenticatedError(`sign in to see ${what}`)
    : new ForbiddenError(`${what} belongs to another user`);

/**
 * Ownership check: passes for `ownerId` itself and for admins; throws UNAUTHENTICATED for an
 * anonymous caller and FORBIDDEN for any other user.
 */
export function assertSelfOrAdmin(identity: Identity, ownerId: string, what: string): void {
  if (!isSelfOrAdmin(identity, ownerId)) throw accessDenied(identity, what);
}
