import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { runWithContext, type Logger } from '@shop/platform';
import {
  ContractRegistry,
  ContractViolation,
  dlqTopic,
  type Contract,
  type DecodedOf,
} from '@shop/schema';
import { DlqPublisher } from '../dlq/dlq-publisher.js';
import { contextFromMessage } from '../headers.js';
import type { KafkaBus } from '../kafka/kafka-bus.js';
import {
  PartitionLostError,
  type IncomingMessage,
  type MessageControl,
  type ResilientConsumer,
} from '../kafka/resilient-consumer.js';
import {
  DEFAULT_RETRY_POLICY,
  isPermanentError,
  retryDecision,
  type RetryPolicy,
} from '../retry-policy.js';
import { sqlRun } from '../sql.js';

export interface HandlerContext {
  /** The consumer service's EntityManager, inside the transaction that also records the inbox row. */
  readonly em: EntityManager;
  readonly message: IncomingMessage;
  readonly attempt: number;
}

export interface IdempotentConsumerOptions<C extends Contract, R = void> {
  readonly bus: KafkaBus;
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** The contracts this consumer understands; anything else is dead-lettered with the reason. */
  readonly contracts: readonly C[];
  /** Runs inside the transaction; dispatch on `decoded.contract.name` closed with assertNever. */
  readonly handle: (decoded: DecodedOf<C>, ctx: HandlerContext) => Promise<R>;
  /**
   * Called after the handler's transaction committed (e.g. to wake an outbox relay), with what the
   * handler returned; not called for a duplicate, a failed attempt or a dead-lettered message.
   */
  readonly afterCommit?: (decoded: DecodedOf<C>, result: R) => void;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Skip (commit without handling or dead-lettering) messages whose `type` is none of the
   * contracts' types: for a consumer that reads only some event types of a shared topic. A known
   * type at an unknown version is still dead-lettered. @default false
   */
  readonly skipOtherTypes?: boolean;
  /** @default `${groupId}.dlq` */
  readonly dlqTopic?: string;
  /** @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /** Keys of one fetched batch handled at once (see ResilientConsumerOptions). @default 8 */
  readonly keyConcurrency?: number;
}

/**
 * A consumer whose handler runs in the service's database transaction together with an inbox row
 * keyed by (group, message id): a redelivered message finds the row and changes nothing. kafkajs
 * commits the offset only after the handler (and so the transaction) finished. Failures are
 * retried with exponential backoff and jitter (see `RetryPolicy`: transient errors such as a
 * database away for a failover for up to a minute, others five times), then dead-lettered with
 * the error and the attempt count in headers; unknown or invalid messages are dead-lettered at
 * once. A member that loses the partition while retrying stops (its new owner takes over). A
 * retrying message holds back only the later messages of its own key: other keys of its batch
 * go on (the ResilientConsumer's key lanes).
 */
export class IdempotentConsumer<C extends Contract, R = void> {
  private readonly registry: ContractRegistry<C>;
  private readonly retry: RetryPolicy;
  private readonly dlq: DlqPublisher;
  private readonly consumer: ResilientConsumer;

  constructor(private readonly options: IdempotentConsumerOptions<C, R>) {
    this.registry = new ContractRegistry(options.contracts);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.dlq = new DlqPublisher(
      options.bus.createPublisher({ idempotent: false }),
      options.groupId,
      options.dlqTopic ?? dlqTopic(options.groupId),
    );
    this.consumer = options.bus.createConsumer({
      groupId: options.groupId,
      topics: options.topics,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      keyConcurrency: options.keyConcurrency,
      handler: (message, control) => this.process(message, control),
    });
  }

  get kafkaConsumer(): ResilientConsumer {
    return this.consumer;
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  async close(): Promise<void> {
    await this.consumer.close();
    await this.dlq.close();
  }

  private isOtherType(value: IncomingMessage['value']): boolean {
    if (this.options.skipOtherTypes !== true) return false;
    try {
      const type = (JSON.parse(String(value)) as { type?: unknown }).type;
      return !this.options.contracts.some((c) => c.type === type);
    } catch {
      return false;
    }
  }

  private async process(message: IncomingMessage, control: MessageControl): Promise<void> {
    const log = this.options.logger;
    let decoded: DecodedOf<C>;
    try {
      decoded = this.registry.decode(message.value);
    } catch (err) {
      if (!(err instanceof ContractViolation)) throw err;
      if (err.reason === 'unknown-contract' && this.isOtherType(message.value)) return;
      await runWithContext(contextFromMessage(message.headers), async () => {
        log.error(
          { err, topic: message.topic, offset: message.offset },
          'undecodable message sent to DLQ',
        );
        await this.dlq.publish(message, err, 1);
      });
      return;
    }
    const envelope = decoded.envelope;
    await runWithContext(contextFromMessage(message.headers, envelope), async () => {
      const started = performance.now();
      const failures = { transient: 0, other: 0 };
      for (let attempt = 1; ; attempt++) {
        try {
          const handled = await this.options.orm.em.fork().transactional(async (em) => {
            const inserted = await sqlRun(
              em,
              'INSERT IGNORE INTO inbox_message (consumer_group, message_id, topic) VALUES (?, ?, ?)',
              [this.options.groupId, envelope.id, message.topic],
            );
            if (inserted.affectedRows === 0) return undefined;
            return { result: await this.options.handle(decoded, { em, message, attempt }) };
          });
          if (handled !== undefined) this.options.afterCommit?.(decoded, handled.result);
          else
            log.debug({ messageId: envelope.id, type: envelope.type }, 'duplicate message ignored');
          return;
        } catch (err) {
          if (!isPermanentError(err) && this.retry.isTransient(err)) failures.transient++;
          else failures.other++;
          const next = retryDecision(err, failures, performance.now() - started, this.retry);
          if (!next.retry) {
            // A member that lost the partition leaves the message to its new owner.
            if (!control.owned()) throw new PartitionLostError('partition lost; not dead-lettered');
            log.error(
              { err, messageId: envelope.id, type: envelope.type, attempt, why: next.why },
              'message failed for good; sent to DLQ',
            );
            await this.dlq.publish(message, err, attempt);
            return;
          }
          log.warn(
            {
              err,
              messageId: envelope.id,
              type: envelope.type,
              attempt,
              delay: next.delayMs,
              transient: next.transient,
            },
            'handler failed; retrying',
          );
          await this.waitWhileOwned(next.delayMs, control);
        }
      }
    });
  }

  /**
   * Sleeps before a retry, heartbeating each second, and stops retrying as soon as the partition
   * is no longer this member's: a rebalance error from the heartbeat is rethrown (kafkajs rejoins),
   * a revoked partition ends the batch quietly. Otherwise a member evicted during a long transient
   * wait would go on retrying, and perhaps dead-letter, a message another member now handles.
   */
  private async waitWhileOwned(ms: number, control: MessageControl): Promise<void> {
    const until = performance.now() + ms;
    for (;;) {
      if (!control.owned()) throw new PartitionLostError('partition lost while retrying');
      await control.heartbeat();
      const left = until - performance.now();
      if (left <= 0) return;
      await new Promise((r) => setTimeout(r, Math.min(1000, left)));
    }
  }
}
