import { env } from '@shop/platform';
import { sagaCommandTopic, TOPICS } from '@shop/schema';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';
import { DEV_SIGNING_KEY_ENCRYPTION_KEY, parseKek } from './service/key-encryption.js';

/** Below this bcrypt cost a production config is refused (tests use 4 for speed). */
export const MIN_PRODUCTION_HASH_COST = 10;

export const usersConfigSchema = subgraphConfigSchema(4005)
  .extend({
    ...mariadbSettings('users'),
    JWT_ISSUER: env.string('shop-users'),
    JWT_AUDIENCE: env.string('shop-api'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    /** Sliding lifetime of a refresh token: each rotation gives the new one this long. */
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).default(2_592_000),
    /** Absolute lifetime of a session (a refresh-token family): no rotation extends it. */
    REFRESH_TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(300).default(7_776_000),
    /** The active signing key is replaced once it is this old (checked at start and hourly). */
    SIGNING_KEY_MAX_AGE_DAYS: z.coerce.number().int().min(1).default(30),
    /**
     * Key-encryption key sealing the signing private keys at rest (AES-256-GCM): 32 random bytes,
     * base64 or hex (`openssl rand -base64 32`). The development default is refused in production.
     */
    SIGNING_KEY_ENCRYPTION_KEY: z
      .string()
      .default(DEV_SIGNING_KEY_ENCRYPTION_KEY)
      .transform((raw, ctx) => {
        try {
          return parseKek(raw);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    /** KEKs of before a change, comma-separated: they still open; keys are re-sealed at start. */
    SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS: env.list('').transform((raws, ctx) => {
      try {
        return raws.map(parseKek);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
    PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(15).default(12),
    KAFKA_BROKERS: env.list('127.0.0.1:9093'),
    USERS_EVENTS_TOPIC: env.string(TOPICS.usersEvents),
    USERS_COMMAND_TOPIC: env.string(sagaCommandTopic('users')),
    USERS_COMMAND_GROUP: env.string('users.saga-commands'),
    /** The one currency store credit is kept in (ISO 4217). */
    CREDIT_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD'),
    /** Registration promotion: on/off. A registration's event carries the offer of its moment. */
    BONUS_ENABLED: env.bool(true),
    /** Store credit a new customer gets, in minor units of CREDIT_CURRENCY (0: none). */
    BONUS_CREDIT_CENTS: z.coerce.number().int().min(0).max(1_000_000).default(500),
    /** Welcome coupons a new customer gets (0: none). */
    BONUS_COUPON_COUNT: z.coerce.number().int().min(0).max(20).default(2),
    /** Each coupon's percentage off, unless BONUS_COUPON_AMOUNT_OFF_CENTS is set. */
    BONUS_COUPON_PERCENT_OFF: z.coerce.number().int().min(1).max(100).default(10),
    /** A fixed amount off instead of a percentage (minor units; 0: use the percentage). */
    BONUS_COUPON_AMOUNT_OFF_CENTS: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /** Smallest subtotal a welcome coupon applies to (minor units). */
    BONUS_COUPON_MIN_ORDER_CENTS: z.coerce.number().int().min(0).default(2000),
    /** Days a welcome coupon stays valid from its generation. */
    BONUS_COUPON_VALID_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ENV !== 'production') return;
    if (value.SIGNING_KEY_ENCRYPTION_KEY.equals(parseKek(DEV_SIGNING_KEY_ENCRYPTION_KEY)))
      ctx.addIssue({
        code: 'custom',
        path: ['SIGNING_KEY_ENCRYPTION_KEY'],
        message: 'the development default is not allowed in production',
      });
    if (value.PASSWORD_HASH_COST < MIN_PRODUCTION_HASH_COST)
      ctx.addIssue({
        code: 'custom',
        path: ['PASSWORD_HASH_COST'],
        message: `must be at least ${MIN_PRODUCTION_HASH_COST} in production`,
      });
  });
export type UsersConfig = z.infer<typeof usersConfigSchema>;
