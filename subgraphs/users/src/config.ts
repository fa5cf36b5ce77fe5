import { env } from '@shop/platform';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';

export const usersConfigSchema = subgraphConfigSchema(4005).extend({
  ...mariadbSettings('users'),
  JWT_ISSUER: env.string('shop-users'),
  JWT_AUDIENCE: env.string('shop-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).default(2_592_000),
  /** The active signing key is replaced once it is this old (checked at start and hourly). */
  SIGNING_KEY_MAX_AGE_DAYS: z.coerce.number().int().min(1).default(30),
  PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(15).default(12),
});
export type UsersConfig = z.infer<typeof usersConfigSchema>;
