import type { MikroORM, Options } from '@mikro-orm/mysql';
import { KafkaBus, Outbox, OutboxRelay, SagaParticipant } from '@shop/messaging';
import type { Logger, ReadinessCheck } from '@shop/platform';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { CatalogConfig } from './config.js';
import { stockCommandHandlers } from './messaging/stock-commands.handler.js';
import { createStockOrm } from './persistence/stock-orm.js';
import { StockRepository } from './persistence/stock.repository.js';
import { ReservationService } from './service/reservation.service.js';
import { StockEventWriter } from './service/stock-events.js';
import { StockService } from './service/stock.service.js';

/** The saga participant name: commands arrive on `sagas.commands.catalog`. */
export const STOCK_PARTICIPANT = 'catalog';

/** Catalog's stock part: its MariaDB database, services, saga participant and outbox relay. */
export interface StockModule {
  readonly orm: MikroORM;
  readonly bus: KafkaBus;
  readonly stock: StockService;
  readonly reservations: ReservationService;
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
 * Opens the stock database (running its migrations), starts the outbox relay and the saga command
 * consumer. The command and event topics are created if missing: kafkajs cannot subscribe to a
 * topic that does not exist yet.
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
  const close = async (): Promise<void> => {
    await participant?.close();
    await relay?.stop();
    await bus.close();
    await orm.close(true);
  };
  try {
    await bus.ensureTopics([config.STOCK_COMMAND_TOPIC, config.CATALOG_EVENTS_TOPIC]);
    const outbox = new Outbox('catalog');
    const events = new StockEventWriter(outbox, config.CATALOG_EVENTS_TOPIC);
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
    started.start();
    await participant.start();
    return {
      orm,
      bus,
      stock,
      reservations,
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
