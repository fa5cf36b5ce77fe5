/**
 * Development-only service keys, so the local stack works with no setup: each calling service
 * signs with its DEV_SERVICE_SIGNING_KEYS entry (cart → catalog; orders → cart and users), and
 * every subgraph accepts DEV_SERVICE_PUBLIC_KEYS by default. They are public (in this
 * repository): configs refuse both in production.
 */
export const DEV_SERVICE_SIGNING_KEYS = {
  cart: '{"kty":"OKP","crv":"Ed25519","d":"_s7fDZNncR5s0STTiOIrQGMYLZdzsH_DvTdtMnp8lzw","x":"wksjXxtw59YXybTN---53z9fnePVpDzyFFK0vIcvPmM"}',
  orders:
    '{"kty":"OKP","crv":"Ed25519","d":"DSmOzMKHAPwhJgLVp1b62uHVx_vd_e5cQKTbWpXquYU","x":"zdLmcdqFXf46TDuorkI0G47CoFgu4fkpnk5xbC_0zR4"}',
} as const;

const DEV_PUBLIC_X = {
  cart: 'wksjXxtw59YXybTN---53z9fnePVpDzyFFK0vIcvPmM',
  orders: 'zdLmcdqFXf46TDuorkI0G47CoFgu4fkpnk5xbC_0zR4',
} as const;

export const DEV_SERVICE_PUBLIC_KEYS = JSON.stringify(
  Object.fromEntries(
    Object.entries(DEV_PUBLIC_X).map(([name, x]) => [name, { kty: 'OKP', crv: 'Ed25519', x }]),
  ),
);

/** True when `keys` holds any development public key (refused in production). */
export const holdsDevServiceKey = (keys: ReadonlyMap<string, { x?: string }>): boolean =>
  [...keys.values()].some((k) => (Object.values(DEV_PUBLIC_X) as string[]).includes(k.x ?? ''));
