import type { MikroORM, Options } from '@mikro-orm/mysql';
import { KafkaBus, Outbox, OutboxRelay, SagaParticipant } from '@shop/messaging';
import type { Logger, ReadinessCheck } from '@shop/platform';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { DeliveryConfig } from './config.js';
import { deliveryCommandHandlers } from './messaging/delivery-commands.handler.js';
import { DeliveryRepository } from './persistence/delivery.repository.js';
import { createDeliveryOrm } from './persistence/orm.js';
import { AssignmentService, startAssignmentSweep } from './service/assignment.service.js';
import { LifecycleService } from './service/lifecycle.service.js';
import { PartnerService } from './service/partner.service.js';
import { ShipmentEventWriter } from './service/shipment-events.js';

/** The saga participant name: commands arrive on `sagas.commands.delivery`. */
export const DELIVERY_PARTICIPANT = 'delivery';

export interface DeliveryModule {
  readonly orm: MikroORM;
  readonly bus: KafkaBus;
  readonly assignments: AssignmentService;
  readonly lifecycle: LifecycleService;
  readonly partners: PartnerService;
  readonly relay: OutboxRelay;
  readonly checks: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export interface DeliveryModuleOptions {
  /** Extra MikroORM options (tests pass a query logger or a larger pool). */
  readonly orm?: Partial<Options>;
  /** The clock of assignments and working hours (tests move it). */
  readonly now?: () => Date;
}

/**
 * Opens the delivery database (running its migrations), starts the outbox relay, the saga command
 * consumer and the deadline sweep. The command and event topics are created if missing.
 */
export async function openDeliveryModule(
  config: DeliveryConfig,
  logger: Logger,
  options: DeliveryModuleOptions = {},
): Promise<DeliveryModule> {
  const orm = await createDeliveryOrm(databaseUrl(config), {
    extra: options.orm ?? {},
    answerTimeoutMs: config.MYSQL_ANSWER_TIMEOUT_MS,
  });
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'delivery', logger });
  let relay: OutboxRelay | undefined;
  let participant: SagaParticipant | undefined;
  let sweep: { stop(): Promise<void> } | undefined;
  const close = async (): Promise<void> => {
    await sweep?.stop();
    await participant?.close();
    await relay?.stop();
    await bus.close();
    await orm.close(true);
  };
  try {
    await bus.ensureTopics([config.DELIVERY_COMMAND_TOPIC, config.DELIVERY_EVENTS_TOPIC]);
    const now = options.now ?? (() => new Date());
    const outbox = new Outbox('delivery');
    const started = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: logger.child({ component: 'delivery-outbox-relay' }),
    });
    relay = started;
    const wake = (): void => started.notify();
    const repo = new DeliveryRepository();
    const events = new ShipmentEventWriter(repo, outbox, config.DELIVERY_EVENTS_TOPIC);
    const assignments = new AssignmentService(
      orm,
      repo,
      events,
      {
        acceptTimeoutMs: config.DELIVERY_ACCEPT_TIMEOUT_MS,
        retryPendingMs: config.DELIVERY_RETRY_PENDING_MS,
        now,
      },
      wake,
    );
    const lifecycle = new LifecycleService(orm, repo, events, assignments, now, wake);
    const partners = new PartnerService(orm, now);
    participant = new SagaParticipant({
      bus,
      orm,
      logger: logger.child({ component: 'delivery-saga-commands' }),
      participant: DELIVERY_PARTICIPANT,
      topic: config.DELIVERY_COMMAND_TOPIC,
      groupId: config.DELIVERY_COMMAND_GROUP,
      outbox,
      handlers: deliveryCommandHandlers(assignments),
      afterCommit: wake,
    });
    started.start();
    await participant.start();
    sweep = startAssignmentSweep(
      assignments,
      config.DELIVERY_SWEEP_INTERVAL_MS,
      logger.child({ component: 'delivery-assignment-sweep' }),
    );
    return {
      orm,
      bus,
      assignments,
      lifecycle,
      partners,
      relay: started,
      checks: {
        mariadb: mariadbReady(orm),
        kafka: async () => void (await bus.topicOffsets(config.DELIVERY_COMMAND_TOPIC)),
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
