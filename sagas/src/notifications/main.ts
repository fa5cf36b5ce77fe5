// The notification worker process: config → database, Kafka, SMTP, templates → consumer → ops
// server → graceful shutdown.
import { DEFAULT_RETRY_POLICY, KafkaBus, openMessagingOrm } from '@shop/messaging';
import {
  createLogger,
  createMetricsRegistry,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
  startOpsServer,
} from '@shop/platform';
import { notificationsConfigSchema, smtpRequiresTls } from './config.js';
import { NOTIFICATION_TABLES_DDL } from './email-ledger.js';
import { DEFAULT_TEMPLATES_DIR, EmailRenderer } from './email-renderer.js';
import { NotificationMetrics } from './notification-metrics.js';
import { NotificationWorker } from './notification-worker.js';
import { createSmtpMailer } from './smtp-mailer.js';

const config = loadConfig(notificationsConfigSchema, process.env);
const logger = createLogger('notifications', config.LOG_LEVEL);
routeProcessWarnings(logger);

const renderer = await EmailRenderer.load(config.NOTIFY_TEMPLATES_DIR ?? DEFAULT_TEMPLATES_DIR, {
  name: config.NOTIFY_SHOP_NAME,
  url: config.NOTIFY_SHOP_URL,
});
const concurrency = config.NOTIFY_PARTITIONS_CONCURRENTLY * config.NOTIFY_KEY_CONCURRENCY;
// Each message in flight holds one connection for its inbox transaction and needs a second for
// the ledger's autocommit writes. Fewer than that and every connection could be held by a
// transaction waiting for one more; and the SENT write after the relay's 250 must never queue for
// a connection, as the time it waits widens the window in which a crash duplicates an email.
const orm = await openMessagingOrm(config.NOTIFY_MYSQL_URL, NOTIFICATION_TABLES_DDL, {
  pool: { min: 0, max: 2 * concurrency + 1 },
});
const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'notifications', logger });
const topics = [
  config.NOTIFY_ORDERS_TOPIC,
  config.NOTIFY_DELIVERY_TOPIC,
  config.NOTIFY_USERS_TOPIC,
  config.NOTIFY_SAGAS_TOPIC,
];
// kafkajs fails to subscribe to a topic that does not exist yet on a fresh cluster.
await bus.ensureTopics(topics);
const mailer = createSmtpMailer({
  url: config.SMTP_URL,
  from: config.MAIL_FROM,
  requireTls: smtpRequiresTls(config),
  poolSize: config.SMTP_POOL_SIZE,
  connectionTimeoutMs: config.SMTP_CONNECTION_TIMEOUT_MS,
  greetingTimeoutMs: config.SMTP_GREETING_TIMEOUT_MS,
  socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS,
  sendDeadlineMs: config.SMTP_SEND_DEADLINE_MS,
});
const registry = createMetricsRegistry('notifications');
const worker = new NotificationWorker({
  bus,
  orm,
  logger,
  mailer,
  renderer,
  metrics: new NotificationMetrics(registry),
  format: { locale: config.NOTIFY_LOCALE, timeZone: config.NOTIFY_TIME_ZONE },
  groupId: config.NOTIFY_GROUP_ID,
  topics,
  operations: { email: config.NOTIFY_OPS_EMAIL, name: `${config.NOTIFY_SHOP_NAME} operations` },
  // Transient failures (SMTP or MariaDB unreachable) keep the default failover budget.
  retry: {
    ...DEFAULT_RETRY_POLICY,
    maxAttempts: config.NOTIFY_RETRY_MAX_ATTEMPTS,
    initialDelayMs: config.NOTIFY_RETRY_INITIAL_MS,
    maxDelayMs: config.NOTIFY_RETRY_MAX_MS,
    multiplier: 2,
  },
  partitionsConsumedConcurrently: config.NOTIFY_PARTITIONS_CONCURRENTLY,
  keyConcurrency: config.NOTIFY_KEY_CONCURRENCY,
  smtpConnections: config.SMTP_POOL_SIZE,
});
await worker.start();
let joined = false;
void worker.joined().then(() => {
  joined = true;
  logger.info('notification consumer joined its group');
});

const ops = await startOpsServer({
  registry,
  port: config.NOTIFY_OPS_PORT,
  checks: {
    mariadb: async () => {
      await orm.em.fork().getConnection().execute('SELECT 1');
    },
    kafka: async () => {
      await bus.topicOffsets(config.NOTIFY_ORDERS_TOPIC);
    },
    consumer: async () => {
      if (!joined) throw new Error('the consumer has not joined its group yet');
    },
    // A connection and EHLO within the send deadline: the relay answers.
    smtp: () => mailer.verify(),
  },
  checkTimeoutMs: config.SMTP_SEND_DEADLINE_MS,
});
installGracefulShutdown({
  logger,
  hooks: [
    { name: 'mariadb', close: () => orm.close(true) },
    { name: 'kafka', close: () => bus.close() },
    { name: 'smtp', close: async () => mailer.close() },
    { name: 'consumer', close: () => worker.close() },
    { name: 'ops', close: () => new Promise<void>((r) => ops.server.close(() => r())) },
  ],
});
logger.info({ port: ops.port }, 'notification worker started');
