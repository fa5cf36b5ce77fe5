import { dlqTopic } from '@shop/schema';
import { readHeaders, type MessageHeaders } from '../headers.js';
import type { KafkaBus } from '../kafka/kafka-bus.js';
import { DLQ_HEADERS } from './dlq-publisher.js';

export interface DlqEntry {
  /** `partition:offset` in the DLQ topic. */
  readonly ref: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: MessageHeaders;
  readonly error: string;
  readonly attempts: number;
  readonly originalTopic: string;
  readonly failedAt: string;
  /** Whether a replay already re-published this entry. */
  readonly replayed: boolean;
}

/** Lists, inspects and replays one consumer group's dead letters. */
export class DlqAdmin {
  readonly topic: string;
  private readonly replayGroup: string;

  constructor(
    private readonly bus: KafkaBus,
    readonly group: string,
  ) {
    this.topic = dlqTopic(group);
    this.replayGroup = `${group}.dlq-replay`;
  }

  /** Every entry currently in the DLQ topic, oldest first per partition. */
  async list(): Promise<DlqEntry[]> {
    const ends = await this.bus.topicOffsets(this.topic).catch(() => []);
    const pending = new Map(ends.filter((e) => e.high > e.low).map((e) => [e.partition, e.high]));
    if (pending.size === 0) return [];
    const replayedUpTo = await this.replayPositions();
    const kafka = this.bus.rawKafka();
    const readerGroup = `${this.group}.dlq-reader.${crypto.randomUUID()}`;
    const consumer = kafka.consumer({ groupId: readerGroup, maxWaitTimeInMs: 100 });
    const entries: DlqEntry[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out reading the DLQ')), 30_000);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const headers = readHeaders(message.headers);
              entries.push({
                ref: `${partition}:${message.offset}`,
                partition,
                offset: message.offset,
                key: message.key?.toString() ?? null,
                value: message.value?.toString() ?? '',
                headers,
                error: headers[DLQ_HEADERS.error] ?? '',
                attempts: Number(headers[DLQ_HEADERS.attempts] ?? 0),
                originalTopic: headers[DLQ_HEADERS.originalTopic] ?? '',
                failedAt: headers[DLQ_HEADERS.failedAt] ?? '',
                replayed: Number(message.offset) < (replayedUpTo.get(partition) ?? 0),
              });
              const high = pending.get(partition);
              if (high !== undefined && Number(message.offset) + 1 >= high)
                pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([readerGroup]).catch(() => undefined);
      await admin.disconnect();
    }
    return entries.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  }

  async inspect(ref: string): Promise<DlqEntry | undefined> {
    return (await this.list()).find((e) => e.ref === ref);
  }

  /**
   * Re-publishes entries to their original topics (same key, value and correlation headers). With
   * no refs it replays every entry not replayed before and remembers the position; with refs it
   * replays exactly those. Consumers are idempotent by message id, so a replay of an entry that
   * was meanwhile processed changes nothing.
   */
  async replay(refs?: readonly string[]): Promise<DlqEntry[]> {
    const entries = await this.list();
    const chosen =
      refs === undefined || refs.length === 0
        ? entries.filter((e) => !e.replayed)
        : entries.filter((e) => refs.includes(e.ref));
    if (chosen.length === 0) return [];
    const publisher = this.bus.createPublisher({ idempotent: false });
    try {
      await publisher.send(
        chosen.map((e) => {
          const headers = Object.fromEntries(
            Object.entries(e.headers).filter(([name]) => !name.startsWith('x-dlq-')),
          );
          return {
            topic: e.originalTopic,
            key: e.key ?? '',
            value: e.value,
            headers: { ...headers, [DLQ_HEADERS.replayedFrom]: `${this.topic}/${e.ref}` },
          };
        }),
      );
    } finally {
      await publisher.close();
    }
    if (refs === undefined || refs.length === 0) await this.markReplayed(entries);
    return chosen;
  }

  private async replayPositions(): Promise<Map<number, number>> {
    const admin = this.bus.rawKafka().admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({
        groupId: this.replayGroup,
        topics: [this.topic],
      });
      return new Map(
        (offsets?.partitions ?? [])
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => [p.partition, Number(p.offset)]),
      );
    } finally {
      await admin.disconnect();
    }
  }

  private async markReplayed(entries: readonly DlqEntry[]): Promise<void> {
    const next = new Map<number, number>();
    for (const e of entries)
      next.set(e.partition, Math.max(next.get(e.partition) ?? 0, Number(e.offset) + 1));
    const admin = this.bus.rawKafka().admin();
    await admin.connect();
    try {
      await admin.setOffsets({
        groupId: this.replayGroup,
        topic: this.topic,
        partitions: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })),
      });
    } finally {
      await admin.disconnect();
    }
  }
}
