/**
 * Development-only service keys, so the local stack works with no setup: cart signs with
 * DEV_SERVICE_SIGNING_KEYS.cart, and every subgraph accepts DEV_SERVICE_PUBLIC_KEYS by default.
 * They are public (in this repository): configs refuse both in production.
 */
export const DEV_SERVICE_SIGNING_KEYS = {
  cart: '{"kty":"OKP","crv":"Ed25519","d":"_s7fDZNncR5s0STTiOIrQGMYLZdzsH_DvTdtMnp8lzw","x":"wksjXxtw59YXybTN---53z9fnePVpDzyFFK0vIcvPmM"}',
} as const;

export const DEV_SERVICE_PUBLIC_KEYS = JSON.stringify({
  cart: { kty: 'OKP', crv: 'Ed25519', x: 'wksjXxtw59YXybTN---53z9fnePVpDzyFFK0vIcvPmM' },
});

/** True when `keys` holds any development public key (refused in production). */
export const holdsDevServiceKey = (keys: ReadonlyMap<string, { x?: string }>): boolean =>
  [...keys.values()].some((k) => k.x === 'wksjXxtw59YXybTN---53z9fnePVpDzyFFK0vIcvPmM');
