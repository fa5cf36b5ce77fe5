/** What the service knows of a signing key when asked to revoke it. */
export interface SigningKeyState {
  readonly retiredAt?: Date | null;
  readonly revokedAt?: Date | null;
}

/**
 * Emergency revocation of a signing key (it leaked): it leaves the JWKS at once, whatever tokens
 * it signed, and stops signing. When it was the active key, a new one must take over in the same
 * transaction, or logins would fail until the next rotation.
 */
export type RevocationPlan =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'already-revoked' }
  | { readonly kind: 'revoke'; readonly replaceActive: boolean };

export function planRevocation(key: SigningKeyState | null): RevocationPlan {
  if (key === null) return { kind: 'unknown' };
  if (key.revokedAt != null) return { kind: 'already-revoked' };
  return { kind: 'revoke', replaceActive: key.retiredAt == null };
}
