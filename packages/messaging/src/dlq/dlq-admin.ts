import { dlqTopic } from '@shop/schema';
import { readHeaders, type MessageHeaders } from '../headers.js';
import type { KafkaBus } from '../kafka/kafka-bus.js';
import { DLQ_HEADERS } from './dlq-publisher.js';

export interface DlqEntry {
  /** `partition:offset` in the DLQ topic. */
  readonly ref: string;
  readonly partition: number;
  readonly offset: string;
  /** The key as text, for display; `rawKey` holds its bytes. */
  readonly key: string | null;
  readonly rawKey: Buffer | null;
  /** The value as text, for display; `rawValue` holds its bytes. */
  readonly value: string;
  readonly rawValue: Buffer | null;
  readonly headers: MessageHeaders;
  readonly error: string;
  readonly attempts: number;
  readonly originalTopic: string;
  readonly failedAt: string;
  /** Whether a replay already re-published this entry. */
  readonly replayed: boolean;
  /** When it was replayed last (ISO time), if the replay left a marker. */
  readonly replayedAt?: string;
}

export interface ReplayOptions {
  /** Replay named entries even if they were replayed before. @default false */
  readonly again?: boolean;
}

/** A replay that names an entry replayed before, without `again`. */
export class DlqAlreadyReplayedError extends Error {
  override readonly name = 'DlqAlreadyReplayedError';
  constructor(readonly refs: readonly string[]) {
    super(
      `already replayed: ${refs.join(', ')}; pass --again (ReplayOptions.again) to replay once more`,
    );
  }
}

/** A replay that names an entry the DLQ does not hold. */
export class DlqEntryNotFoundError extends Error {
  override readonly name = 'DlqEntryNotFoundError';
}

/** How long `list` reads the DLQ topic before it gives up. */
const READ_TIMEOUT_MS = 30_000;

/**
 * Lists, inspects and replays one consumer group's dead letters.
 *
 * A replay re-publishes an entry to its original topic with the same key and value bytes (a null
 * key stays null, so the entry goes to the partition its key picked the first time), its headers
 * (less the `x-dlq-*` ones) and `x-dlq-replayed-from`. It lands at the end of its partition, after
 * every event on its key that came since it failed: a consumer that must not apply an older event
 * over a newer one has to check (a version or timestamp in its own state); the inbox only stops
 * repeats of the same message id.
 *
 * Each replayed entry gets a marker record in the DLQ topic, in the entry's partition, naming its
 * offset (`x-dlq-replay-of`); `list` folds the markers into `replayed`, so an entry is replayed once
 * unless asked `again`. The markers are written after the replay: a crash in between leaves the
 * entry unmarked, and replaying it again is a duplicate consumers drop by message id.
 */
export class DlqAdmin {
  readonly topic: string;
  /** The consumer group whose committed offsets marked replays before markers (read, not written). */
  private readonly legacyReplayGroup: string;

  constructor(
    private readonly bus: KafkaBus,
    readonly group: string,
  ) {
    this.topic = dlqTopic(group);
    this.legacyReplayGroup = `${group}.dlq-replay`;
  }

  /** Every entry currently in the DLQ topic, oldest first per partition. */
  async list(): Promise<DlqEntry[]> {
    // No topic yet (nothing ever failed): answer at once; kafkajs retries an unknown topic ~10 s.
    if (!(await this.topicExists())) return [];
    const ends = await this.bus.topicOffsets(this.topic).catch(() => []);
    const pending = new Map(ends.filter((e) => e.high > e.low).map((e) => [e.partition, e.high]));
    if (pending.size === 0) return [];
    const replayedUpTo = await this.legacyReplayPositions();
    const kafka = this.bus.rawKafka();
    const readerGroup = `${this.group}.dlq-reader.${crypto.randomUUID()}`;
    const consumer = kafka.consumer({ groupId: readerGroup, maxWaitTimeInMs: 100 });
    const entries: Omit<DlqEntry, 'replayed'>[] = [];
    /** `partition:offset` of a replayed entry → when. */
    const markers = new Map<string, string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out reading ${this.topic} (${READ_TIMEOUT_MS} ms)`)),
          READ_TIMEOUT_MS,
        );
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const headers = readHeaders(message.headers);
              const replayOf = headers[DLQ_HEADERS.replayOf];
              if (replayOf !== undefined)
                markers.set(`${partition}:${replayOf}`, headers[DLQ_HEADERS.replayedAt] ?? '');
              else
                entries.push({
                  ref: `${partition}:${message.offset}`,
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  rawKey: message.key,
                  value: message.value?.toString() ?? '',
                  rawValue: message.value,
                  headers,
                  error: headers[DLQ_HEADERS.error] ?? '',
                  attempts: Number(headers[DLQ_HEADERS.attempts] ?? 0),
                  originalTopic: headers[DLQ_HEADERS.originalTopic] ?? '',
                  failedAt: headers[DLQ_HEADERS.failedAt] ?? '',
                });
              const high = pending.get(partition);
              if (high !== undefined && Number(message.offset) + 1 >= high)
                pending.delete(partition);
              if (pending.size === 0) resolve();
            },
          })
          .catch(reject);
      }).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([readerGroup]).catch(() => undefined);
      await admin.disconnect();
    }
    return entries
      .map((e): DlqEntry => {
        const replayedAt = markers.get(e.ref);
        return {
          ...e,
          replayed:
            replayedAt !== undefined || Number(e.offset) < (replayedUpTo.get(e.partition) ?? 0),
          ...(replayedAt === undefined || replayedAt === '' ? {} : { replayedAt }),
        };
      })
      .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  }

  async inspect(ref: string): Promise<DlqEntry | undefined> {
    return (await this.list()).find((e) => e.ref === ref);
  }

  /**
   * Re-publishes entries to their original topics (see the class comment). With no refs it
   * replays every entry not replayed before; with refs exactly those, refusing (replaying none)
   * if one is missing or was replayed before and `again` is not set.
   */
  async replay(refs: readonly string[] = [], options: ReplayOptions = {}): Promise<DlqEntry[]> {
    const entries = await this.list();
    let chosen: DlqEntry[];
    if (refs.length === 0) chosen = entries.filter((e) => !e.replayed);
    else {
      const byRef = new Map(entries.map((e) => [e.ref, e]));
      const missing = refs.filter((r) => !byRef.has(r));
      if (missing.length > 0)
        throw new DlqEntryNotFoundError(`no entry ${missing.join(', ')} in ${this.topic}`);
      chosen = [...new Set(refs)].map((r) => byRef.get(r)!);
      const again = chosen.filter((e) => e.replayed).map((e) => e.ref);
      if (again.length > 0 && options.again !== true) throw new DlqAlreadyReplayedError(again);
    }
    if (chosen.length === 0) return [];
    const publisher = this.bus.createPublisher({ idempotent: false });
    try {
      await publisher.send(
        chosen.map((e) => {
          const headers = Object.fromEntries(
            Object.entries(e.headers).filter(([name]) => !name.startsWith('x-dlq-')),
          );
          // A keyed entry goes where its key hashes to, beside the key's newer events (even if
          // partitions were added since); an entry without a key goes back to its own partition.
          const partition = Number(e.headers[DLQ_HEADERS.originalPartition]);
          return {
            topic: e.originalTopic,
            key: e.rawKey,
            value: e.rawValue,
            ...(e.rawKey === null && Number.isInteger(partition) ? { partition } : {}),
            headers: { ...headers, [DLQ_HEADERS.replayedFrom]: `${this.topic}/${e.ref}` },
          };
        }),
      );
      const at = new Date().toISOString();
      await publisher.send(
        chosen.map((e) => ({
          topic: this.topic,
          partition: e.partition,
          key: null,
          value: null,
          headers: { [DLQ_HEADERS.replayOf]: e.offset, [DLQ_HEADERS.replayedAt]: at },
        })),
      );
    } finally {
      await publisher.close();
    }
    return chosen;
  }

  private async topicExists(): Promise<boolean> {
    const admin = this.bus.rawKafka().admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(this.topic);
    } finally {
      await admin.disconnect();
    }
  }

  private async legacyReplayPositions(): Promise<Map<number, number>> {
    const admin = this.bus.rawKafka().admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({
        groupId: this.legacyReplayGroup,
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
}
