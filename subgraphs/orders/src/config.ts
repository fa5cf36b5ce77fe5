import { env } from '@shop/platform';
import { sagaCommandTopic, TOPICS } from '@shop/schema';
import { DEV_SERVICE_SIGNING_KEYS } from '@shop/service-client';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';

/** Development-only key orders signs its calls to cart and users with; refused in production. */
export const DEV_ORDERS_SIGNING_KEY = DEV_SERVICE_SIGNING_KEYS.orders;

const ms = (fallback: number, max = 60_000) =>
  z.coerce.number().int().min(10).max(max).default(fallback);

export const ordersConfigSchema = subgraphConfigSchema(4003)
  .extend({
    ...mariadbSettings('orders'),
    KAFKA_BROKERS: env.list('127.0.0.1:9093'),
    ORDERS_EVENTS_TOPIC: env.string(TOPICS.ordersEvents),
    ORDERS_COMMAND_TOPIC: env.string(sagaCommandTopic('orders')),
    ORDERS_COMMAND_GROUP: env.string('orders.saga-commands'),
    /** Shipment changes move orders to SHIPPED and DELIVERED. */
    DELIVERY_EVENTS_TOPIC: env.string(TOPICS.deliveryEvents),
    /** Parked sagas flag their order for the admins. */
    SAGA_EVENTS_TOPIC: env.string(TOPICS.sagaEvents),
    /** The consumer group of orders' event consumer (shipment changes, parked sagas). */
    ORDERS_EVENTS_GROUP: env.string('orders.event-consumer'),
    CART_URL: env.url('http://127.0.0.1:4002/graphql'),
    USERS_URL: env.url('http://127.0.0.1:4005/graphql'),
    /** Deadline of one call to cart or users, retries included. */
    SERVICE_CALL_TIMEOUT_MS: ms(2000, 30_000),
    SERVICE_SIGNING_KEY: z
      .string()
      .default(DEV_ORDERS_SIGNING_KEY)
      .refine((s) => {
        try {
          const k = JSON.parse(s) as { kty?: unknown; crv?: unknown; d?: unknown };
          return k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.d === 'string';
        } catch {
          return false;
        }
      }, 'must be an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","d":...,"x":...})'),
    /** Deadline of one payment provider call (authorise, capture, refund). */
    PAYMENT_TIMEOUT_MS: ms(5000),
    /** Attempts of a provider call answered "unavailable", all with the same idempotency key. */
    PAYMENT_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    /** `simulated` is the only provider so far (deterministic test cards). */
    PAYMENT_PROVIDER: z.enum(['simulated']).default('simulated'),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ENV === 'production' && value.SERVICE_SIGNING_KEY === DEV_ORDERS_SIGNING_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['SERVICE_SIGNING_KEY'],
        message: 'the development key is not allowed in production',
      });
  });
export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
