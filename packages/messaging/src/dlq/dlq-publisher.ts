import type { KafkaPublisher } from '../kafka/kafka-publisher.js';
import type { IncomingMessage } from '../kafka/resilient-consumer.js';

/** Headers a dead-lettered message carries next to its original headers. */
export const DLQ_HEADERS = {
  error: 'x-dlq-error',
  attempts: 'x-dlq-attempts',
  group: 'x-dlq-group',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  failedAt: 'x-dlq-failed-at',
  replayedFrom: 'x-dlq-replayed-from',
  /** On a marker record in the DLQ topic: the offset (same partition) of the entry it replayed. */
  replayOf: 'x-dlq-replay-of',
  replayedAt: 'x-dlq-replayed-at',
} as const;

/** Sends a message that could not be processed to its consumer group's DLQ topic. */
export class DlqPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly group: string,
    readonly topic: string,
  ) {}

  async publish(message: IncomingMessage, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.publisher.send([
      {
        topic: this.topic,
        // Byte-exact: a null key stays null (as '' it would hash to another partition on replay).
        key: message.rawKey !== undefined ? message.rawKey : message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DLQ_HEADERS.error]: reason.slice(0, 2000),
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.group]: this.group,
          [DLQ_HEADERS.originalTopic]: message.topic,
          [DLQ_HEADERS.originalPartition]: String(message.partition),
          [DLQ_HEADERS.originalOffset]: message.offset,
          [DLQ_HEADERS.failedAt]: new Date().toISOString(),
        },
      },
    ]);
  }

  async close(): Promise<void> {
    await this.publisher.close();
  }
}
