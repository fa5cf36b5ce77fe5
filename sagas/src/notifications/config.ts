import { baseConfigSchema, env } from '@shop/platform';
import { TOPICS } from '@shop/schema';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The notification worker's settings (local-stack defaults; see .env.example). */
export const notificationsConfigSchema = baseConfigSchema.extend({
  /** The worker's own database: inbox, email ledger, users projection. */
  NOTIFY_MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/notifications'),
  KAFKA_BROKERS: env.list('127.0.0.1:9093'),
  /** Ops endpoints (/healthz, /readyz, /metrics); 0 picks a free port. */
  NOTIFY_OPS_PORT: env.port(4011),
  NOTIFY_GROUP_ID: env.string('notifications'),
  NOTIFY_ORDERS_TOPIC: env.string(TOPICS.ordersEvents),
  NOTIFY_DELIVERY_TOPIC: env.string(TOPICS.deliveryEvents),
  NOTIFY_USERS_TOPIC: env.string(TOPICS.usersEvents),
  /** Where `sagas.saga-parked@1` comes from: the orchestrator's SAGAS_EVENTS_TOPIC. */
  NOTIFY_SAGAS_TOPIC: env.string(TOPICS.sagaEvents),
  /**
   * Where the operations emails go (a saga parked as NEEDS_ATTENTION). The default is on
   * MAIL_FROM's reserved `.localhost` domain, so nothing leaves a development machine: set it in
   * production.
   */
  NOTIFY_OPS_EMAIL: z.email().default('operations@shop.localhost'),
  /**
   * The relay: `smtp://[user:pass@]host:port` (STARTTLS when the server offers it) or
   * `smtps://...` (TLS from the first byte). Defaults to the local stack's MailDev.
   */
  SMTP_URL: env.url('smtp://127.0.0.1:1025'),
  /**
   * Refuse to send unless the connection is (or upgrades to) TLS. Unset: required in production
   * unless the relay is on loopback (`smtpRequiresTls`).
   */
  SMTP_REQUIRE_TLS: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  SMTP_POOL_SIZE: positiveInt(5),
  SMTP_CONNECTION_TIMEOUT_MS: positiveInt(5000),
  SMTP_GREETING_TIMEOUT_MS: positiveInt(5000),
  SMTP_SOCKET_TIMEOUT_MS: positiveInt(8000),
  /** Deadline of one whole send; keep it under the Kafka session timeout (10 s). */
  SMTP_SEND_DEADLINE_MS: positiveInt(8000),
  MAIL_FROM: env.string('Shop <no-reply@shop.localhost>'),
  NOTIFY_SHOP_NAME: env.string('Shop'),
  NOTIFY_SHOP_URL: env.url('http://localhost:4000'),
  /** Locale of amounts and dates in emails. */
  NOTIFY_LOCALE: env.string('en-US'),
  /** Time zone of dates in emails (e.g. a coupon's expiry). */
  NOTIFY_TIME_ZONE: env.string('UTC'),
  /** default: sagas/templates */
  NOTIFY_TEMPLATES_DIR: z.string().min(1).optional(),
  /**
   * Attempts of one event (first included) before it goes to `<group>.dlq`; with the delays below
   * the default rides out a relay outage of about three minutes (backoff with jitter).
   */
  NOTIFY_RETRY_MAX_ATTEMPTS: positiveInt(14),
  NOTIFY_RETRY_INITIAL_MS: positiveInt(500),
  NOTIFY_RETRY_MAX_MS: positiveInt(30_000),
  NOTIFY_PARTITIONS_CONCURRENTLY: positiveInt(3),
  /** Keys (orders, users) of one fetched batch handled at once per partition. */
  NOTIFY_KEY_CONCURRENCY: positiveInt(8),
});
export type NotificationsConfig = Readonly<z.infer<typeof notificationsConfigSchema>>;

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Whether a send must be (or upgrade to) TLS: SMTP_REQUIRE_TLS when set; unset, yes in production
 * unless the relay is on loopback. Without it nodemailer sends AUTH and every email in clear to a
 * relay that offers no STARTTLS, and anyone on the path can strip that offer.
 */
export const smtpRequiresTls = (config: NotificationsConfig): boolean =>
  config.SMTP_REQUIRE_TLS ??
  (config.NODE_ENV === 'production' && !LOOPBACK.includes(new URL(config.SMTP_URL).hostname));
