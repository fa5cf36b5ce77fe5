import { env } from '@shop/platform';
import { DEV_SERVICE_SIGNING_KEYS } from '@shop/service-client';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';

/** Development-only key cart signs its calls with; refused in production. */
export const DEV_CART_SIGNING_KEY = DEV_SERVICE_SIGNING_KEYS.cart;

export const cartConfigSchema = subgraphConfigSchema(4002)
  .extend({
    ...mariadbSettings('cart'),
    REDIS_URL: env.url('redis://127.0.0.1:6380'),
    REDIS_PREFIX: z.string().default('shop:cart:'),
    /** Deadline of every Redis command; past it the cart reads the database. */
    REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(5000).default(150),
    CART_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    CATALOG_URL: env.url('http://127.0.0.1:4001/graphql'),
    /** Deadline of one call to catalog, retries included. */
    CATALOG_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
    SERVICE_SIGNING_KEY: z
      .string()
      .default(DEV_CART_SIGNING_KEY)
      .refine((s) => {
        try {
          const k = JSON.parse(s) as { kty?: unknown; crv?: unknown; d?: unknown };
          return k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.d === 'string';
        } catch {
          return false;
        }
      }, 'must be an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","d":...,"x":...})'),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ENV === 'production' && value.SERVICE_SIGNING_KEY === DEV_CART_SIGNING_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['SERVICE_SIGNING_KEY'],
        message: 'the development key is not allowed in production',
      });
  });
export type CartConfig = z.infer<typeof cartConfigSchema>;
