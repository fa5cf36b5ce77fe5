import type { MikroORM, Options } from '@mikro-orm/mysql';
import { KafkaBus, Outbox, OutboxRelay, SagaParticipant } from '@shop/messaging';
import type { Logger, ReadinessCheck } from '@shop/platform';
import { ServiceClient, ServiceSigner } from '@shop/service-client';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { OrdersConfig } from './config.js';
import { SimulatedPaymentProvider } from './infra/simulated-payment-provider.js';
import { orderCommandHandlers } from './messaging/order-commands.handler.js';
import { orderEventsConsumer } from './messaging/order-events.consumer.js';
import { PaymentCaptures } from './messaging/payment-captures.js';
import { OrderRepository } from './persistence/order.repository.js';
import { createOrdersOrm } from './persistence/orm.js';
import { cartThrough, customersThrough } from './service/checkout-sources.js';
import { OrderCommands } from './service/order-commands.service.js';
import { OrderDeductions } from './service/order-deductions.service.js';
import { OrderEventWriter } from './service/order-events.js';
import { OrderLifecycle } from './service/order-lifecycle.service.js';
import { OrderPlacement } from './service/order-placement.service.js';
import { OrderQueries } from './service/order-queries.service.js';
import { PaymentService } from './service/payment.service.js';

/** The saga participant name: commands arrive on `sagas.commands.orders`. */
export const ORDERS_PARTICIPANT = 'orders';

/** Connections of the simulated provider's own pool (each call holds one for a few statements). */
const SIMULATED_PROVIDER_POOL = 4;

export interface OrdersModule {
  readonly orm: MikroORM;
  readonly bus: KafkaBus;
  readonly repo: OrderRepository;
  readonly placement: OrderPlacement;
  readonly commands: OrderCommands;
  readonly queries: OrderQueries;
  readonly lifecycle: OrderLifecycle;
  readonly payments: PaymentService;
  readonly cart: ServiceClient;
  readonly users: ServiceClient;
  readonly relay: OutboxRelay;
  readonly checks: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export interface OrdersModuleOptions {
  /** Extra MikroORM options (tests pass a query logger or a larger pool). */
  readonly orm?: Partial<Options>;
  /** How long the simulated provider's timeout card hangs. @default 60000 */
  readonly providerHangMs?: number;
}

/**
 * Opens the orders database (running its migrations), the typed clients of cart and users, the
 * payment provider, the outbox relay, the saga participant and the event consumer. Topics are
 * created if missing.
 */
export async function openOrdersModule(
  config: OrdersConfig,
  logger: Logger,
  options: OrdersModuleOptions = {},
): Promise<OrdersModule> {
  const orm = await createOrdersOrm(databaseUrl(config), { extra: options.orm ?? {} });
  // The simulated provider's books live in this database but on a pool of their own, as a real
  // provider's live behind its own HTTP API. On the service's pool it deadlocked under load when
  // captures called it inside the participant's transaction (issue 12); captures no longer do,
  // but a refund still does (inside its compensation's transaction), and with as many refunds in
  // flight as the pool has connections every provider call would wait for a connection that only
  // a provider answer could free.
  let providerOrm: MikroORM | undefined;
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'orders', logger });
  let relay: OutboxRelay | undefined;
  let participant: SagaParticipant | undefined;
  let captures: PaymentCaptures | undefined;
  let consumer: { close(): Promise<void> } | undefined;
  const close = async (): Promise<void> => {
    await consumer?.close();
    await participant?.close();
    // Their answers go through the outbox: before the relay stops.
    await captures?.close();
    await relay?.stop();
    await bus.close();
    await providerOrm?.close(true);
    await orm.close(true);
  };
  try {
    await bus.ensureTopics([
      config.ORDERS_COMMAND_TOPIC,
      config.ORDERS_EVENTS_TOPIC,
      config.DELIVERY_EVENTS_TOPIC,
      config.SAGA_EVENTS_TOPIC,
    ]);
    const outbox = new Outbox('orders');
    const started = new OutboxRelay({
      orm,
      publisher: bus.createPublisher(),
      logger: logger.child({ component: 'orders-outbox-relay' }),
    });
    relay = started;
    const wake = (): void => started.notify();
    const signer = await ServiceSigner.fromJwk('orders', JSON.parse(config.SERVICE_SIGNING_KEY));
    const client = (callee: string, url: string) =>
      new ServiceClient({ callee, url, signer, timeoutMs: config.SERVICE_CALL_TIMEOUT_MS });
    const cart = client('cart', config.CART_URL);
    const users = client('users', config.USERS_URL);
    const repo = new OrderRepository();
    const events = new OrderEventWriter(outbox, config.ORDERS_EVENTS_TOPIC);
    const lifecycle = new OrderLifecycle(repo, events);
    providerOrm = await createOrdersOrm(databaseUrl(config), {
      name: 'orders-simulated-provider',
      extra: { ...options.orm, pool: { min: 0, max: SIMULATED_PROVIDER_POOL } },
    });
    const provider = new SimulatedPaymentProvider(
      providerOrm,
      options.providerHangMs === undefined ? {} : { hangMs: options.providerHangMs },
    );
    const payments = new PaymentService(orm, repo, provider, {
      timeoutMs: config.PAYMENT_TIMEOUT_MS,
      attempts: config.PAYMENT_ATTEMPTS,
    });
    const placement = new OrderPlacement({
      orm,
      repo,
      events,
      cart: cartThrough(cart),
      customers: customersThrough(users),
      provider,
      logger: logger.child({ component: 'order-placement' }),
      providerTimeoutMs: config.PAYMENT_TIMEOUT_MS,
      afterCommit: wake,
    });
    captures = new PaymentCaptures({
      orm,
      outbox,
      payments,
      logger: logger.child({ component: 'orders-payment-captures' }),
      afterCommit: wake,
    });
    participant = new SagaParticipant({
      bus,
      orm,
      logger: logger.child({ component: 'orders-saga-commands' }),
      participant: ORDERS_PARTICIPANT,
      topic: config.ORDERS_COMMAND_TOPIC,
      groupId: config.ORDERS_COMMAND_GROUP,
      outbox,
      handlers: orderCommandHandlers(lifecycle, payments, captures, new OrderDeductions(repo)),
      afterCommit: wake,
    });
    const eventsConsumer = orderEventsConsumer({
      bus,
      orm,
      logger: logger.child({ component: 'orders-event-consumer' }),
      groupId: config.ORDERS_EVENTS_GROUP,
      deliveryEventsTopic: config.DELIVERY_EVENTS_TOPIC,
      sagaEventsTopic: config.SAGA_EVENTS_TOPIC,
      lifecycle,
      repo,
    });
    consumer = eventsConsumer;
    started.start();
    await participant.start();
    await eventsConsumer.start();
    return {
      orm,
      bus,
      repo,
      placement,
      commands: new OrderCommands(orm, lifecycle, wake),
      queries: new OrderQueries(orm.em),
      lifecycle,
      payments,
      cart,
      users,
      relay: started,
      checks: {
        mariadb: mariadbReady(orm),
        kafka: async () => void (await bus.topicOffsets(config.ORDERS_COMMAND_TOPIC)),
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
