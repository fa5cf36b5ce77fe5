/** State of a stored refresh token at the moment someone presents it. */
export interface RefreshTokenState {
  readonly expiresAt: Date;
  readonly usedAt?: Date | null;
  readonly revokedAt?: Date | null;
}

/**
 * What presenting a refresh token means. A token that was already rotated is a replay: someone
 * holds a stolen copy, so the whole family (every token descended from the same login) is revoked.
 */
export type RefreshVerdict = 'rotate' | 'reuse-detected' | 'revoked' | 'expired';

export function judgeRefresh(token: RefreshTokenState, now: Date): RefreshVerdict {
  if (token.revokedAt != null) return 'revoked';
  if (token.usedAt != null) return 'reuse-detected';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'rotate';
}
