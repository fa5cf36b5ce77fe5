/**
 * Placement idempotency, as Stripe does it: a client retries a placement with the same key, and
 * the key with the same input returns the order it first created; the key with a different input
 * is refused (the client reused a key by mistake). Keys are scoped to the customer, so two
 * customers may pick the same key.
 */
export type PlacementVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly orderId: string }
  | { readonly kind: 'conflict'; readonly orderId: string };

export interface KeyedOrder {
  readonly orderId: string;
  /** `fingerprintOf` of the input that created the order. */
  readonly fingerprint: string;
}

/** The verdict on a placement request whose key found `existing` (or nothing). Pure. */
export function judgePlacement(
  existing: KeyedOrder | undefined,
  requestFingerprint: string,
): PlacementVerdict {
  if (existing === undefined) return { kind: 'new' };
  return existing.fingerprint === requestFingerprint
    ? { kind: 'replay', orderId: existing.orderId }
    : { kind: 'conflict', orderId: existing.orderId };
}

/**
 * A stable text of a placement's input (keys sorted at every level, `undefined` dropped), so the
 * same input always gives the same fingerprint whatever order its fields arrived in. The caller
 * hashes it; the card goes in as the provider's card fingerprint, never as its number.
 */
export function canonicalInput(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalInput).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalInput(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
