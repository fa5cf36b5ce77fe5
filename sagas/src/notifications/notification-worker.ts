import type { MikroORM } from '@mikro-orm/core';
import {
  IdempotentConsumer,
  type HandlerContext,
  type KafkaBus,
  type RetryPolicy,
} from '@shop/messaging';
import type { Logger } from '@shop/platform';
import type { DecodedOf } from '@shop/schema';
import { EmailDelivery, type DeliveryOutcome } from './email-delivery.js';
import { EmailLedger, UserContacts } from './email-ledger.js';
import type { EmailRenderer } from './email-renderer.js';
import type { NotificationMetrics } from './notification-metrics.js';
import {
  NOTIFICATION_CONTRACTS,
  planNotification,
  type FormatOptions,
  type NotificationContract,
  type RecipientRef,
} from './notification-plan.js';
import type { Mailer } from './smtp-mailer.js';

/** A users id the projection does not know (yet): retried, as its users event may be in flight. */
export class RecipientUnknown extends Error {
  constructor(userId: string) {
    super(`no contact for user ${userId} in the users projection (yet)`);
    this.name = 'RecipientUnknown';
  }
}

export interface NotificationWorkerOptions {
  readonly bus: KafkaBus;
  /** The worker's own database: inbox, ledger and users projection. */
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly renderer: EmailRenderer;
  readonly metrics: NotificationMetrics;
  readonly format: FormatOptions;
  readonly groupId: string;
  /** orders, delivery, users and sagas events (overridable for namespaced tests). */
  readonly topics: readonly string[];
  /** Who gets the operations emails (a parked saga): NOTIFY_OPS_EMAIL. */
  readonly operations: { readonly email: string; readonly name: string };
  readonly retry: RetryPolicy;
  /** Partitions handled at once. @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /** Keys of one batch handled at once, per partition. @default 8 */
  readonly keyConcurrency?: number;
  /** Emails on their way to the relay at once: the mailer's SMTP connections. @default 5 */
  readonly smtpConnections?: number;
}

/**
 * The notification worker: consumes the order, shipment, user and saga events through the
 * idempotent consumer (its own group, its own database), keeps the users projection, and sends
 * each event's email through EmailDelivery.
 */
export class NotificationWorker {
  private readonly consumer: IdempotentConsumer<NotificationContract, DeliveryOutcome | 'none'>;
  private readonly delivery: EmailDelivery;
  private readonly contacts = new UserContacts();

  constructor(private readonly options: NotificationWorkerOptions) {
    // The ledger's autocommit writes go through the same pool as the consumer's transactions;
    // see NOTIFY_DB_POOL_SIZE in config.ts for why the pool is sized above the concurrency.
    const ledger = new EmailLedger(() => options.orm.em.fork());
    this.delivery = new EmailDelivery(
      options.mailer,
      ledger,
      options.metrics,
      options.logger,
      options.smtpConnections,
    );
    this.consumer = new IdempotentConsumer({
      bus: options.bus,
      orm: options.orm,
      logger: options.logger,
      groupId: options.groupId,
      topics: options.topics,
      contracts: NOTIFICATION_CONTRACTS,
      retry: options.retry,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      keyConcurrency: options.keyConcurrency,
      handle: (decoded, ctx) => this.handle(decoded, ctx),
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  /** Resolves once the consumer has first joined its group. */
  joined(): Promise<void> {
    return this.consumer.kafkaConsumer.joined();
  }

  async close(): Promise<void> {
    await this.consumer.close();
  }

  private async handle(
    decoded: DecodedOf<NotificationContract>,
    ctx: HandlerContext,
  ): Promise<DeliveryOutcome | 'none'> {
    const { envelope } = decoded;
    const plan = planNotification(decoded, this.options.format);
    if (plan.userContact !== undefined) await this.contacts.upsert(ctx.em, plan.userContact);
    if (plan.email === undefined) {
      this.options.logger.debug({ eventId: envelope.id, type: envelope.type }, plan.skipped);
      return 'none';
    }
    const to = await this.recipient(ctx, plan.email.to);
    return this.delivery.deliver(
      {
        eventId: envelope.id,
        template: plan.email.template,
        to,
        content: this.options.renderer.render(plan.email.template, plan.email.view, to),
      },
      { em: ctx.em, attempt: ctx.attempt, maxAttempts: this.options.retry.maxAttempts },
    );
  }

  private async recipient(
    ctx: HandlerContext,
    ref: RecipientRef,
  ): Promise<{ email: string; name: string }> {
    if (ref.kind === 'contact') return { email: ref.email, name: ref.name };
    if (ref.kind === 'operations') return this.options.operations;
    const contact = await this.contacts.find(ctx.em, ref.userId);
    if (contact === undefined) throw new RecipientUnknown(ref.userId);
    return contact;
  }
}
