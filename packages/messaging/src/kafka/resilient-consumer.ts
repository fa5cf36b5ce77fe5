import type { Logger } from '@shop/platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { readHeaders, type MessageHeaders } from '../headers.js';

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The key as text (lossy for keys that are not UTF-8: use `rawKey` to pass it on). */
  readonly key: string | null;
  /** The key's bytes, as Kafka holds them. */
  readonly rawKey?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
  readonly timestamp: string;
}

export interface MessageControl {
  /**
   * Keeps the group membership alive during long retries. Rejects when the group is rebalancing
   * or this member was evicted: the partition may belong to another member by now, so stop
   * handling and let the error end the batch (kafkajs rejoins; uncommitted messages go to the
   * partition's owner).
   */
  heartbeat(): Promise<void>;
  /** False once this member lost the message's partition (revoked, consumer stopped or replaced). */
  owned(): boolean;
}

/**
 * Thrown by a handler that stopped because its partition is no longer this member's: the batch
 * ends quietly, the message is not committed, and the partition's new owner handles it.
 */
export class PartitionLostError extends Error {
  override readonly name = 'PartitionLostError';
}

export type MessageHandler = (message: IncomingMessage, control: MessageControl) => Promise<void>;

export interface ResilientConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: MessageHandler;
  /** @default true */
  readonly fromBeginning?: boolean;
  /** Partitions processed in parallel. @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Keys of one fetched batch handled at once. Messages of one key are handled one after the
   * other in offset order; different keys do not wait for each other, so a key whose handler is
   * slow or retrying holds back only its own later messages (and, until it is done, the
   * partition's next fetch). @default 8
   */
  readonly keyConcurrency?: number;
  /** The kafkajs default (5000) stalls request/reply flows such as sagas. @default 50 */
  readonly maxWaitTimeInMs?: number;
  /** @default 10000 */
  readonly sessionTimeoutMs?: number;
  /** Restart when no fetch started and no message was handled for this long (a consumer that died silently). @default 30000 */
  readonly watchdogMs?: number;
}

/**
 * A kafkajs consumer that comes back by itself. kafkajs restarts a consumer only after retriable
 * errors and leaves it stopped otherwise (tulios/kafkajs #267, #939, #1011, #1630); this wrapper
 * listens for CRASH events that will not restart, and for fetch loops that went silent, and
 * rebuilds the consumer with backoff.
 *
 * Each fetched batch is split into lanes by key (see `keyConcurrency`). An offset is resolved,
 * and later committed, only once it and every offset before it in the partition were handled, so
 * a handler that commits its own transaction first never loses a message; a crash or rebalance
 * mid-batch redelivers what was not resolved, some of it possibly handled already (consumers
 * deduplicate).
 */
export class ResilientConsumer {
  private consumer: Consumer | undefined;
  private stopped = true;
  private restarting = false;
  private restarts = 0;
  private lastActivityAt = 0;
  private kafkajsRestarting = false;
  private watchdog: NodeJS.Timeout | undefined;
  private joinedOnce: Promise<void>;
  private resolveJoined: () => void = () => undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: ResilientConsumerOptions,
    private readonly onClose: () => void,
  ) {
    this.joinedOnce = new Promise((resolve) => (this.resolveJoined = resolve));
  }

  /** How many times the consumer was rebuilt after a crash or stall. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Resolves once the consumer has joined its group for the first time. */
  joined(): Promise<void> {
    return this.joinedOnce;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startConsumer();
    const watchdogMs = this.options.watchdogMs ?? 30_000;
    this.watchdog = setInterval(
      () => {
        // While kafkajs restarts by itself (retries during a broker outage) give it longer.
        const limit = this.kafkajsRestarting ? watchdogMs * 3 : watchdogMs;
        if (!this.stopped && !this.restarting && Date.now() - this.lastActivityAt > limit) {
          this.logger.warn({ groupId: this.options.groupId }, 'consumer stalled; restarting it');
          void this.restart();
        }
      },
      Math.min(5000, watchdogMs),
    );
    this.watchdog.unref();
  }

  private async startConsumer(): Promise<void> {
    // A consumer this wrapper has replaced or closed is "stale": kafkajs may still bring it back
    // (a restart it scheduled, or a start() in flight during disconnect), so every sign of life
    // from a stale consumer disconnects it, and it is never restarted.
    const isStale = (): boolean => this.stopped || consumer !== this.consumer;
    const consumer: Consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 50,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: true,
      retry: {
        retries: 8,
        initialRetryTime: 300,
        maxRetryTime: 5000,
        restartOnFailure: async () => !isStale(),
      },
    });
    this.consumer = consumer;
    this.lastActivityAt = Date.now();
    consumer.on(consumer.events.FETCH_START, () => {
      if (isStale()) void consumer.disconnect().catch(() => undefined);
      else this.lastActivityAt = Date.now();
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (isStale()) {
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.lastActivityAt = Date.now();
      this.kafkajsRestarting = false;
      this.logger.debug(
        { groupId: this.options.groupId, memberId: e.payload.memberId },
        'joined group',
      );
      this.resolveJoined();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      if (isStale()) return;
      this.logger.warn({ err: error, groupId: this.options.groupId, restart }, 'consumer crashed');
      // kafkajs restarts by itself after retriable errors; otherwise it stays down and we rebuild.
      if (restart) {
        this.kafkajsRestarting = true;
        this.lastActivityAt = Date.now();
      } else void this.restart();
    });
    const abandon = async (): Promise<boolean> => {
      // close() ran while this consumer was starting: do not leave it running.
      if (!this.stopped && consumer === this.consumer) return false;
      await consumer.disconnect().catch(() => undefined);
      return true;
    };
    await consumer.connect();
    if (await abandon()) return;
    for (const topic of this.options.topics)
      await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    if (await abandon()) return;
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      // Offsets are resolved by handleBatch as the contiguous handled prefix grows.
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload, isStale),
    });
  }

  private async handleBatch(payload: EachBatchPayload, isStale: () => boolean): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    // Handling and heartbeats are signs of life too: a long batch (slow handlers, retries in
    // backoff) must not look like a stalled fetch loop to the watchdog.
    let evicted = false;
    const heartbeat = async (): Promise<void> => {
      if (!isStale()) this.lastActivityAt = Date.now();
      try {
        await payload.heartbeat();
      } catch (err) {
        evicted = true;
        throw err;
      }
    };
    const lanes = new Map<string, KafkaMessage[]>();
    for (const message of batch.messages) {
      const lane = message.key === null ? '' : `k${message.key.toString('base64')}`;
      let list = lanes.get(lane);
      if (list === undefined) lanes.set(lane, (list = []));
      list.push(message);
    }
    const offsets = batch.messages.map((m) => m.offset);
    const handled = new Set<string>();
    let resolved = 0;
    const markHandled = (offset: string): void => {
      handled.add(offset);
      while (resolved < offsets.length && handled.has(offsets[resolved]!)) {
        payload.resolveOffset(offsets[resolved]!);
        resolved++;
      }
    };
    // Stop taking new messages once the partition is revoked, the consumer stops or was replaced
    // (never handle, and so never commit, a message on a replaced consumer) or a lane failed.
    let failure: { error: unknown } | undefined;
    const keepGoing = (): boolean =>
      failure === undefined && payload.isRunning() && !payload.isStale() && !isStale();
    const queue = [...lanes.values()];
    const owned = (): boolean =>
      !evicted && payload.isRunning() && !payload.isStale() && !isStale();
    const control: MessageControl = { heartbeat, owned };
    const work = async (): Promise<void> => {
      for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
        for (const message of lane) {
          if (!keepGoing()) return;
          try {
            await this.options.handler(
              {
                topic,
                partition,
                offset: message.offset,
                key: message.key?.toString() ?? null,
                rawKey: message.key,
                value: message.value,
                headers: readHeaders(message.headers),
                timestamp: message.timestamp,
              },
              control,
            );
            markHandled(message.offset);
            // Throttled by kafkajs to the heartbeat interval; throws when the group rebalances.
            await heartbeat();
          } catch (error) {
            failure ??= { error };
            return;
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.keyConcurrency ?? 8, lanes.size));
    await Promise.all(Array.from({ length: workers }, work));
    // kafkajs commits the resolved prefix, then handles the error (retry, rejoin or crash). A
    // handler that gave up a lost partition leaves it to kafkajs, which knows already.
    if (failure !== undefined && !(failure.error instanceof PartitionLostError))
      throw failure.error;
  }

  private async restart(): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    try {
      const old = this.consumer;
      this.consumer = undefined;
      await old?.disconnect().catch(() => undefined);
      for (let attempt = 1; !this.stopped; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt)));
        if (this.stopped) return;
        try {
          await this.startConsumer();
          this.restarts++;
          this.logger.info({ groupId: this.options.groupId, attempt }, 'consumer restarted');
          return;
        } catch (err) {
          this.logger.warn(
            { err, groupId: this.options.groupId, attempt },
            'consumer restart failed',
          );
          const failed = this.consumer as Consumer | undefined;
          this.consumer = undefined;
          await failed?.disconnect().catch(() => undefined);
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect().catch(() => undefined);
    this.onClose();
  }
}
