import type { Logger } from '@shop/platform';
import type { Kafka, Producer } from 'kafkajs';
import type { MessageHeaders } from '../headers.js';

export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string | Buffer;
  readonly headers?: MessageHeaders;
}

export interface PublisherOptions {
  /** Idempotent producer: acks=all, one request in flight, so order per partition holds. @default true */
  readonly idempotent?: boolean;
}

/**
 * A kafkajs producer that is rebuilt after a failed send: after a broker restart an idempotent
 * kafkajs producer can keep failing with sequence errors, and a fresh producer id clears that.
 */
export class KafkaPublisher {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: PublisherOptions,
    private readonly onClose: () => void,
  ) {}

  /** Sends messages in order (per topic and partition) and resolves when all are acknowledged. */
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.closed) throw new Error('publisher closed');
    const byTopic = new Map<
      string,
      { key: string; value: string | Buffer; headers: MessageHeaders }[]
    >();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, (list = []));
      list.push({ key: m.key, value: m.value, headers: m.headers ?? {} });
    }
    const producer = await this.connect();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    } catch (err) {
      this.logger.warn({ err }, 'kafka send failed; the producer will be recreated');
      await this.reset();
      throw err;
    }
  }

  private connect(): Promise<Producer> {
    if (this.producer !== undefined) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const idempotent = this.options.idempotent ?? true;
      const producer = this.kafka.producer({
        idempotent,
        maxInFlightRequests: idempotent ? 1 : 5,
        allowAutoTopicCreation: true,
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
      });
      try {
        await producer.connect();
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
    this.onClose();
  }
}
