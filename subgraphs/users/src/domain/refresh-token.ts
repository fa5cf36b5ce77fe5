/** State of a stored refresh token at the moment someone presents it. */
export interface RefreshTokenState {
  readonly expiresAt: Date;
  /** When the login that started this token's family happened. */
  readonly familyCreatedAt: Date;
  readonly usedAt?: Date | null;
  readonly revokedAt?: Date | null;
}

/** How long refresh tokens live. */
export interface RefreshTokenPolicy {
  /** Sliding lifetime: each rotation gives the new token this long. */
  readonly ttlSeconds: number;
  /** Absolute lifetime of a family (one login): no rotation extends a session past it. */
  readonly maxFamilyAgeSeconds: number;
}

/**
 * What presenting a refresh token means. A token that was already rotated is a replay: someone
 * holds a stolen copy, so the whole family (every token descended from the same login) is revoked.
 */
export type RefreshVerdict = 'rotate' | 'reuse-detected' | 'revoked' | 'expired';

const familyEnd = (familyCreatedAt: Date, policy: RefreshTokenPolicy): number =>
  familyCreatedAt.getTime() + policy.maxFamilyAgeSeconds * 1000;

export function judgeRefresh(
  token: RefreshTokenState,
  now: Date,
  policy: RefreshTokenPolicy,
): RefreshVerdict {
  if (token.revokedAt != null) return 'revoked';
  if (token.usedAt != null) return 'reuse-detected';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (familyEnd(token.familyCreatedAt, policy) <= now.getTime()) return 'expired';
  return 'rotate';
}

/** Expiry of a token issued `now` in a family started at `familyCreatedAt`: sliding, capped. */
export const refreshTokenExpiresAt = (
  familyCreatedAt: Date,
  now: Date,
  policy: RefreshTokenPolicy,
): Date =>
  new Date(Math.min(now.getTime() + policy.ttlSeconds * 1000, familyEnd(familyCreatedAt, policy)));

/**
 * Rows that no presentation can use any more, so pruning them changes no verdict: a token past
 * its own expiry, or from a family past its absolute lifetime, is `expired` whatever else holds
 * (reuse detection only matters while the family could still be refreshed).
 */
export const prunableBefore = (
  now: Date,
  policy: RefreshTokenPolicy,
): { readonly expiresAt: Date; readonly familyCreatedAt: Date } => ({
  expiresAt: now,
  familyCreatedAt: new Date(now.getTime() - policy.maxFamilyAgeSeconds * 1000),
});
