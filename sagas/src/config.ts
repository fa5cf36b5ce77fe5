import { baseConfigSchema, env } from '@shop/platform';
import { SAGA_COMMAND_TOPIC_PREFIX, TOPICS } from '@shop/schema';
import { z } from 'zod';

/** The orchestrator's settings (all with local-stack defaults; see .env.example). */
export const sagasConfigSchema = baseConfigSchema.extend({
  /** The orchestrator's own database. */
  SAGAS_MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/sagas'),
  KAFKA_BROKERS: env.list('127.0.0.1:9093'),
  /** Ops endpoints (/healthz, /readyz, /metrics); 0 picks a free port. */
  OPS_PORT: env.port(4010),
  SAGAS_GROUP_ID: env.string('sagas.orchestrator'),
  SAGAS_REPLY_TOPIC: env.string(TOPICS.sagaReplies),
  /** Where the orchestrator publishes saga lifecycle events (`sagas.saga-parked@1`). */
  SAGAS_EVENTS_TOPIC: env.string(TOPICS.sagaEvents),
  /** Where the place-order and cancel-order sagas' trigger events come from. */
  SAGAS_ORDERS_EVENTS_TOPIC: env.string(TOPICS.ordersEvents),
  /** Command topics are `<prefix><participant>`. */
  SAGAS_COMMAND_TOPIC_PREFIX: env.string(SAGA_COMMAND_TOPIC_PREFIX),
  /** How long an outbox claim protects rows from other relays (a killed relay's rows wait this long). */
  SAGAS_RELAY_LEASE_MS: z.coerce.number().int().positive().default(10_000),
  /** Where users publishes `users.user-registered` (the registration-bonus saga's trigger). */
  SAGAS_USERS_EVENTS_TOPIC: env.string(TOPICS.usersEvents),
  /** Per-attempt reply timeout of the registration-bonus saga's steps. */
  BONUS_STEP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Where catalog publishes `catalog.stock-low` and replenishment retries (the replenishment saga). */
  SAGAS_CATALOG_EVENTS_TOPIC: env.string(TOPICS.catalogEvents),
  /** How long the replenishment saga waits for goods per attempt before re-asking (3 attempts). */
  REPLENISH_RECEIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60 * 1000),
});
export type SagasConfig = Readonly<z.infer<typeof sagasConfigSchema>>;
