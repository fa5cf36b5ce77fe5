/** Roles are the scopes of `@requiresScopes`. */
export const ROLES = ['customer', 'partner', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Who is calling, as vouched for by the gateway proof. Anonymous callers have no `userId`. */
export interface Identity {
  readonly userId?: string;
  readonly roles: readonly Role[];
  /** The gateway's request id (`rid` claim). */
  readonly requestId?: string;
}

export const ANONYMOUS: Identity = Object.freeze({ roles: [] });

export const hasRole = (identity: Identity, role: Role): boolean => identity.roles.includes(role);
