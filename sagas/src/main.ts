// The saga orchestrator process: config → connections → orchestrator → ops server → shutdown.
import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import {
  createLogger,
  createMetricsRegistry,
  installGracefulShutdown,
  loadConfig,
  routeProcessWarnings,
  startOpsServer,
} from '@shop/platform';
import { sagasConfigSchema } from './config.js';
import { demoOrderSaga } from './demo/demo-order.saga.js';
import { DEMO_PARTICIPANT_DDL, DemoParticipants } from './demo/demo-participants.js';
import { registerSagaMetrics } from './engine/saga-metrics.js';
import { SagaOrchestrator } from './engine/saga-orchestrator.js';
import { SAGA_TABLES_DDL } from './engine/saga-store.js';

const config = loadConfig(sagasConfigSchema, process.env);
const logger = createLogger('sagas', config.LOG_LEVEL);
routeProcessWarnings(logger);

const orm = await openMessagingOrm(config.SAGAS_MYSQL_URL, SAGA_TABLES_DDL);
const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'sagas', logger });
const commandTopic = (participant: string): string =>
  `${config.SAGAS_COMMAND_TOPIC_PREFIX}${participant}`;
const sagas = [demoOrderSaga({ timeoutMs: config.DEMO_STEP_TIMEOUT_MS })];
// On a fresh cluster kafkajs fails to subscribe to a topic that does not exist yet: create the
// reply topic and every participant's command topic before anything subscribes or publishes.
await bus.ensureTopics([
  config.SAGAS_REPLY_TOPIC,
  ...new Set(sagas.flatMap((saga) => saga.steps.map((step) => commandTopic(step.participant)))),
]);
const orchestrator = new SagaOrchestrator({
  bus,
  orm,
  logger,
  sagas,
  replyTopic: config.SAGAS_REPLY_TOPIC,
  commandTopic,
  groupId: config.SAGAS_GROUP_ID,
  relay: { leaseMs: config.SAGAS_RELAY_LEASE_MS },
});
const registry = createMetricsRegistry('sagas');
registerSagaMetrics(registry, orchestrator, sagas);
let demoOrm: MikroORM | undefined;
let participants: DemoParticipants | undefined;
if (config.DEMO_PARTICIPANTS) {
  const orm = (demoOrm = await openMessagingOrm(config.DEMO_MYSQL_URL, DEMO_PARTICIPANT_DDL));
  participants = new DemoParticipants({
    bus,
    logger,
    orms: { inventory: orm, payment: orm, shipping: orm },
    commandTopic,
  });
  await participants.start();
}
await orchestrator.start();
let repliesJoined = false;
void orchestrator.joined().then(() => (repliesJoined = true));

const ops = await startOpsServer({
  registry,
  port: config.OPS_PORT,
  checks: {
    mariadb: async () => {
      await orm.em.fork().getConnection().execute('SELECT 1');
    },
    // A metadata round trip to the brokers that also proves the reply topic has leaders.
    kafka: async () => {
      await bus.topicOffsets(config.SAGAS_REPLY_TOPIC);
    },
    // Until its reply consumer has first joined the group, this instance handles no replies.
    'saga-replies': async () => {
      if (!repliesJoined) throw new Error('reply consumer has not joined its group yet');
    },
  },
});
installGracefulShutdown({
  logger,
  hooks: [
    { name: 'mariadb', close: () => orm.close(true) },
    { name: 'demo-mariadb', close: async () => demoOrm?.close(true) },
    { name: 'kafka', close: () => bus.close() },
    { name: 'demo-participants', close: async () => participants?.close() },
    { name: 'orchestrator', close: () => orchestrator.close() },
    { name: 'ops', close: () => new Promise<void>((r) => ops.server.close(() => r())) },
  ],
});
logger.info({ port: ops.port }, 'orchestrator started');
