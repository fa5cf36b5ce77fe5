import type { MikroORM, Options } from '@mikro-orm/mysql';
import { KafkaBus, Outbox, OutboxRelay, SagaParticipant } from '@shop/messaging';
import type { Logger, ReadinessCheck } from '@shop/platform';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { CatalogConfig } from './config.js';
import { SimulatedSupplier } from './infra/simulated-supplier.js';
import { replenishmentCommandHandlers } from './messaging/replenishment-commands.handler.js';
import { replenishmentEventsConsumer } from './messaging/replenishment-events.consumer.js';
import { stockCommandHandlers } from './messaging/stock-commands.handler.js';
import { ReplenishmentRepository } from './persistence/replenishment.repository.js';
import { createStockOrm } from './persistence/stock-orm.js';
import { StockRepository } from './persistence/stock.repository.js';
import { GoodsInward } from './service/goods-inward.service.js';
import { ReplenishmentAdmin } from './service/replenishment-admin.service.js';
import { ReplenishmentSteps } from './service/replenishment-steps.service.js';
import { ReservationService } from './service/reservation.service.js';
import { StockEventWriter } from './service/stock-events.js';
import { StockService } from './service/stock.service.js';

/** The saga participant name: commands arrive on `sagas.commands.catalog`. */
export const STOCK_PARTICIPANT = 'catalog';

/** The replenishment saga's participant: `sagas.commands.catalog-replenishment`. */
export const REPLENISHMENT_PARTICIPANT = 'catalog-replenishment';

/**
 * Bound on placing one purchase order, every call and backoff included: well within the saga's
 * timeout of the step, so a slow supplier is refused in time instead of the command being resent.
 */
const PURCHASE_ORDER_BUDGET_MS = 8000;

/**
 * Catalog's stock part: its MariaDB database, services, saga participant (stock and
 * replenishment commands), goods inward, the parked-saga mirror and the outbox relay.
 */
export interface StockModule {
  readonly orm: MikroORM;
  readonly bus: KafkaBus;
  readonly stock: StockService;
  readonly reservations: ReservationService;
  readonly replenishments: ReplenishmentAdmin;
  readonly goodsInward: GoodsInward;
  /** The supplier port's adapter: the simulator, the only one so far (tests count its calls). */
  readonly supplier: SimulatedSupplier;
  readonly relay: OutboxRelay;
  readonly checks: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export interface StockModuleOptions {
  /** Whether a product exists in the product store. */
  readonly productExists: (productId: string) => Promise<boolean>;
  /** Extra MikroORM options (tests pass a query logger). */
  readonly orm?: Partial<Options>;
}

/**
 * Opens the stock database (running its migrations), starts the outbox relay, the saga command
 * consumer, the parked-saga consumer and goods inward. The topics are created if missing: kafkajs
 * cannot subscribe to a topic that does not exist yet.
 */
export async function openStockModule(
  config: CatalogConfig,
  logger: Logger,
  options: StockModuleOptions,
): Promise<StockModule> {
  const orm = await createStockOrm(databaseUrl(config), {
    extra: options.orm ?? {},
    answerTimeoutMs: config.MYSQL_ANSWER_TIMEOUT_MS,
  });
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'catalog', logger });
  let relay: OutboxRelay | undefined;
  let participant: SagaParticipant | undefined;
  let replenishing: SagaParticipant | undefined;
  let parked: ReturnType<typeof replenishmentEventsConsumer> | undefined;
  let goodsInward: GoodsInward | undefined;
  const close = async (): Promise<void> => {
    await goodsInward?.stop();
    await parked?.close();
    await replenishing?.close();
    await participant?.close();
    await relay?.stop();
    await bus.close();
    await orm.close(true);
  };
  try {
    await bus.ensureTopics([
      config.STOCK_COMMAND_TOPIC,
      config.REPLENISHMENT_COMMAND_TOPIC,
      config.CATALOG_EVENTS_TOPIC,
      config.SAGA_EVENTS_TOPIC,
    ]);
    const outbox = new Outbox('catalog');
    const replenishmentRepo = new ReplenishmentRepository();
    const events = new StockEventWriter(outbox, config.CATALOG_EVENTS_TOPIC, replenishmentRepo);
    const started = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: logger.child({ component: 'stock-outbox-relay' }),
    });
    relay = started;
    const wake = (): void => started.notify();
    const repo = new StockRepository();
    const reservations = new ReservationService(orm, repo, events, wake);
    const stock = new StockService(orm, repo, events, {
      productExists: options.productExists,
      afterCommit: wake,
    });
    const supplier = new SimulatedSupplier({ leadTimeMs: config.SUPPLIER_LEAD_TIME_MS });
    const steps = new ReplenishmentSteps(orm, replenishmentRepo, repo, events, supplier, {
      attempts: config.SUPPLIER_MAX_ATTEMPTS,
      callTimeoutMs: config.SUPPLIER_CALL_TIMEOUT_MS,
      budgetMs: PURCHASE_ORDER_BUDGET_MS,
    });
    const replenishments = new ReplenishmentAdmin(orm, replenishmentRepo, outbox, {
      topic: config.CATALOG_EVENTS_TOPIC,
      afterCommit: wake,
    });
    participant = new SagaParticipant({
      bus,
      orm,
      logger: logger.child({ component: 'stock-saga-commands' }),
      participant: STOCK_PARTICIPANT,
      topic: config.STOCK_COMMAND_TOPIC,
      groupId: config.STOCK_COMMAND_GROUP,
      outbox,
      handlers: stockCommandHandlers(reservations),
      afterCommit: wake,
    });
    replenishing = new SagaParticipant({
      bus,
      orm,
      logger: logger.child({ component: 'replenishment-saga-commands' }),
      participant: REPLENISHMENT_PARTICIPANT,
      topic: config.REPLENISHMENT_COMMAND_TOPIC,
      groupId: config.REPLENISHMENT_COMMAND_GROUP,
      outbox,
      handlers: replenishmentCommandHandlers(steps),
      afterCommit: wake,
      // A placement holds its transaction (a pooled connection) through the supplier's retries,
      // up to 8 s: two at a time leave the rest of the pool to checkout's stock commands.
      partitionsConsumedConcurrently: 1,
      keyConcurrency: 2,
    });
    parked = replenishmentEventsConsumer({
      bus,
      orm,
      logger: logger.child({ component: 'replenishment-saga-events' }),
      groupId: config.CATALOG_SAGA_EVENTS_GROUP,
      sagaEventsTopic: config.SAGA_EVENTS_TOPIC,
      admin: replenishments,
    });
    const inward = new GoodsInward({
      orm,
      repo: replenishmentRepo,
      supplier,
      outbox,
      topic: config.CATALOG_EVENTS_TOPIC,
      logger: logger.child({ component: 'goods-inward' }),
      intervalMs: config.GOODS_INWARD_POLL_MS,
      callTimeoutMs: config.SUPPLIER_CALL_TIMEOUT_MS,
      afterCommit: wake,
    });
    goodsInward = inward;
    started.start();
    await participant.start();
    await replenishing.start();
    await parked.start();
    inward.start();
    return {
      orm,
      bus,
      stock,
      reservations,
      replenishments,
      goodsInward: inward,
      supplier,
      relay: started,
      checks: {
        mariadb: mariadbReady(orm),
        // A metadata round trip that also proves the command topic has leaders.
        kafka: async () => void (await bus.topicOffsets(config.STOCK_COMMAND_TOPIC)),
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
