// The orchestrator process's wiring: connections → orchestrator → ops server → shutdown. main.ts
// runs it with the production sagas; the engine's tests run it with the demo saga.
import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import {
  createLogger,
  createMetricsRegistry,
  installGracefulShutdown,
  routeProcessWarnings,
  startOpsServer,
  type Logger,
  type ShutdownHook,
} from '@shop/platform';
import type { SagasConfig } from './config.js';
import type { SagaDefinition } from './engine/saga-definition.js';
import { registerSagaMetrics } from './engine/saga-metrics.js';
import { SagaOrchestrator } from './engine/saga-orchestrator.js';
import { SAGA_TABLES_DDL } from './engine/saga-store.js';

export interface OrchestratorProcessOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly sagas: readonly SagaDefinition<any>[];
  /**
   * More to run in the process once its bus exists (e.g. the demo participants of a development
   * run); its hooks are closed before the orchestrator's connections.
   */
  readonly extras?: (ctx: {
    readonly bus: KafkaBus;
    readonly logger: Logger;
    readonly orchestrator: SagaOrchestrator;
  }) => Promise<readonly ShutdownHook[]>;
}

export async function runOrchestratorProcess(
  config: SagasConfig,
  options: OrchestratorProcessOptions,
): Promise<void> {
  const logger = createLogger('sagas', config.LOG_LEVEL);
  routeProcessWarnings(logger);

  const orm: MikroORM = await openMessagingOrm(config.SAGAS_MYSQL_URL, SAGA_TABLES_DDL);
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'sagas', logger });
  const orchestrator = new SagaOrchestrator({
    bus,
    orm,
    logger,
    sagas: options.sagas,
    replyTopic: config.SAGAS_REPLY_TOPIC,
    eventsTopic: config.SAGAS_EVENTS_TOPIC,
    commandTopicPrefix: config.SAGAS_COMMAND_TOPIC_PREFIX,
    groupId: config.SAGAS_GROUP_ID,
    relay: { leaseMs: config.SAGAS_RELAY_LEASE_MS },
  });
  // On a fresh cluster kafkajs fails to subscribe to a topic that does not exist yet: create the
  // reply topic and every participant's command topic before anything subscribes or publishes.
  await bus.ensureTopics(orchestrator.topics());
  const registry = createMetricsRegistry('sagas');
  registerSagaMetrics(registry, orchestrator, options.sagas);
  const extraHooks = (await options.extras?.({ bus, logger, orchestrator })) ?? [];
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
      { name: 'kafka', close: () => bus.close() },
      ...extraHooks,
      { name: 'orchestrator', close: () => orchestrator.close() },
      { name: 'ops', close: () => new Promise<void>((r) => ops.server.close(() => r())) },
    ],
  });
  logger.info({ port: ops.port, sagas: options.sagas.map((s) => s.type) }, 'orchestrator started');
}
