import type { Logger } from '@shop/platform';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { KafkaPublisher, type PublisherOptions } from './kafka-publisher.js';
import { ResilientConsumer, type ResilientConsumerOptions } from './resilient-consumer.js';

export interface KafkaBusOptions {
  /** host:port list. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** @default 3000 */
  readonly connectionTimeoutMs?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The only place that touches kafkajs. Everything else sees publishers and consumers with this
 * package's small interfaces, so the client can be swapped, and its known failure modes (consumers
 * that crash and stay down after a broker restart or a lost coordinator) are handled once, here.
 */
export class KafkaBus {
  private readonly config: KafkaConfig;
  private readonly kafka: Kafka;
  private readonly closeables = new Set<{ close(): Promise<void> }>();

  constructor(private readonly options: KafkaBusOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    this.config = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          log[LEVELS[level] ?? 'info'](rest, message);
        },
    };
    this.kafka = new Kafka(this.config);
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /** A producer; idempotent (acks=all, one request in flight) unless told otherwise. */
  createPublisher(options: PublisherOptions = {}): KafkaPublisher {
    // Each producer generation gets its own client: its sockets carry the publisher's write gate.
    const publisher = new KafkaPublisher(
      (extra) => new Kafka({ ...this.config, ...extra }),
      this.options.logger,
      options,
      () => this.closeables.delete(publisher),
    );
    this.closeables.add(publisher);
    return publisher;
  }

  /** A consumer in a group that restarts itself after crashes and stalls. */
  createConsumer(options: ResilientConsumerOptions): ResilientConsumer {
    const consumer = new ResilientConsumer(this.kafka, this.options.logger, options, () =>
      this.closeables.delete(consumer),
    );
    this.closeables.add(consumer);
    return consumer;
  }

  /**
   * Creates topics that do not exist yet (idempotent) and returns once every partition of every
   * topic has a leader. Right after a create, kafkajs can still be told UNKNOWN_TOPIC_OR_PARTITION
   * (its metadata lags the controller): such retriable answers are retried with backoff.
   */
  async ensureTopics(topics: readonly string[], numPartitions = 3): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const existing = new Set(await admin.listTopics());
          const missing = topics.filter((t) => !existing.has(t));
          if (missing.length > 0)
            await admin.createTopics({
              topics: missing.map((topic) => ({ topic, numPartitions })),
              waitForLeaders: true,
            });
          const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
          const led = meta.every(
            (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
          );
          if (led) return;
          throw new TopicsNotReadyError(`topics without a leader yet: ${topics.join(', ')}`);
        } catch (err) {
          const retriable =
            err instanceof TopicsNotReadyError ||
            (err as { retriable?: unknown }).retriable === true;
          if (!retriable || attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Low and high watermarks per partition. */
  async topicOffsets(topic: string): Promise<{ partition: number; low: number; high: number }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({
        partition: o.partition,
        low: Number(o.low),
        high: Number(o.high),
      }));
    } finally {
      await admin.disconnect();
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads messages of one topic in a range without a consumer group (for the DLQ tools). */
  rawKafka(): Kafka {
    return this.kafka;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.closeables].map((c) => c.close()));
  }
}

class TopicsNotReadyError extends Error {
  override readonly name = 'TopicsNotReadyError';
}
