import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import type { KafkaPublisher, OutgoingMessage } from '../kafka/kafka-publisher.js';
import { sqlRows, sqlRun } from '../sql.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './outbox.js';

export interface OutboxRelayOptions {
  readonly orm: MikroORM;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  /** Unique per relay process. @default a random id */
  readonly relayId?: string;
  /** Rows per Kafka batch. @default 500 */
  readonly batchSize?: number;
  /**
   * Bytes (values, keys, headers) per Kafka batch; a batch holds at least one row. Keep it below
   * the brokers' `message.max.bytes`: kafkajs does not split a batch the broker finds too large.
   * @default 1000000
   */
  readonly maxBatchBytes?: number;
  /** Idle poll interval; `notify()` wakes the relay at once. @default 50 */
  readonly pollIntervalMs?: number;
  /** How long the outbox claim lasts without renewal (a dead relay's claim expires after this). @default 10000 */
  readonly leaseMs?: number;
  /**
   * Deadline of one send (kafkajs retries included); past it the send is cut off. Shorter than
   * the lease, so a relay cannot still be sending when a standby may take over; a send cut off
   * is sent again by a new producer, a duplicate if the broker had it. @default leaseMs / 2
   */
  readonly sendTimeoutMs?: number;
  /**
   * Consecutive non-retriable refusals of one row after which it is moved to
   * `outbox_dead_letter` (a row too large for the broker goes there at its first refusal).
   * @default 5
   */
  readonly maxRefusals?: number;
  /** Batches read ahead while one is in flight. @default 2 */
  readonly readAhead?: number;
  /** Test hook: called after rows are selected under the claim, before they are sent. */
  readonly afterClaim?: (ids: readonly number[]) => Promise<void>;
}

interface OutboxRow {
  id: number | string;
  topic: string;
  partition_key: string;
  payload: Buffer | string;
  headers: string;
}

/** Rows read under one claim (`epoch`); `more` when rows past them may be waiting. */
interface Batch {
  readonly rows: readonly OutboxRow[];
  readonly epoch: number;
  readonly more: boolean;
}

/** The outbox claim as this relay holds it; times are `performance.now()` (monotonic). */
interface Claim {
  readonly epoch: number;
  readonly renewedAt: number;
  /** Before this the lease is certainly still ours (the database set its expiry after `renewedAt`). */
  readonly validUntil: number;
}

/** The claim was lost or re-taken while a batch was in hand: its rows are dropped, unsent. */
class ClaimLostError extends Error {
  override readonly name = 'ClaimLostError';
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * How Kafka refused a send for good, or undefined for a failure worth retrying as it is (broker
 * down, timeouts, a send cut off at its deadline). kafkajs wraps a non-retriable protocol error
 * in KafkaJSNonRetriableError (`cause` is the protocol error); KafkaJSNumberOfRetriesExceeded
 * extends it but means "kept failing retriably".
 */
function refusalOf(err: unknown): { tooLarge: boolean; reason: string } | undefined {
  const e = err as { name?: string; retriable?: boolean; cause?: unknown; message?: string };
  const refused =
    e?.name === 'KafkaJSNonRetriableError' ||
    (e?.name === 'KafkaJSProtocolError' && e.retriable === false);
  if (!refused) return undefined;
  const types: string[] = [];
  for (let c: unknown = err, i = 0; c !== undefined && c !== null && i < 5; i++) {
    const type = (c as { type?: unknown }).type;
    if (typeof type === 'string') types.push(type);
    c = (c as { cause?: unknown }).cause;
  }
  const tooLarge = types.some((t) => TOO_LARGE.has(t));
  return { tooLarge, reason: `${types[0] ?? e.name}: ${e.message ?? String(err)}`.slice(0, 2000) };
}

const rowBytes = (r: OutboxRow): number =>
  Buffer.byteLength(r.payload) + Buffer.byteLength(r.partition_key) + Buffer.byteLength(r.headers);

/**
 * Publishes outbox rows to Kafka in id order and deletes them once Kafka has acknowledged them.
 *
 * Claiming: a relay publishes only while it holds the outbox's claim, a lease row renewed on the
 * database clock. Several relays can run; one publishes, the others stand by and take over when
 * the lease is released (graceful stop) or expires (crash). So under normal operation no row is
 * published twice and order per key holds, while each row is still written once, not per claim:
 * per-row claim updates cost more database time than the Kafka send itself and kept the relay
 * well below raw kafkajs throughput. Publishing is at-least-once (a crash after a send and before
 * the delete republishes them); consumers deduplicate by message id.
 *
 * Fencing (see `holdClaim` and `publish`): each take-over of the claim raises its epoch; a batch
 * is sent only under the epoch it was read in, and only while the lease certainly still holds.
 *
 * Sent rows are deleted rather than marked: every row in the table is unsent, so the next batch is
 * a primary-key range read and no secondary index changes per row. Marking (`sent_at` set from
 * NULL) rewrote each whole row and its index entry and cost MariaDB twice the CPU of the delete,
 * CPU the relay's own process then lacked on a small machine. Kafka keeps the published events;
 * the outbox is a queue, not an archive.
 *
 * A row Kafka refuses for good (too large for the topic, or refused `maxRefusals` times in a row)
 * is moved to `outbox_dead_letter` with the reason, so the rows behind it flow; `shop-dlq outbox`
 * lists them. Finding it re-sends the failed batch one row at a time, so rows of that batch that
 * reached other partitions before the refusal are published twice (consumers deduplicate).
 *
 * Pipelining: while one batch is in flight the next is read and the previous one deleted.
 */
export class OutboxRelay {
  readonly relayId: string;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly sendTimeoutMs: number;
  private readonly fenceMarginMs: number;
  private readonly maxRefusals: number;
  private readonly readAhead: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private published = 0;
  private deadLettered = 0;
  private claim: Claim | undefined;
  /** Consecutive refusals per row id (reset when the row goes out or is moved aside). */
  private readonly refusals = new Map<number, number>();
  /** Rows per read: batchSize, or fewer while rows are large (see `select`). */
  private readLimit: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.relayId = options.relayId ?? `relay-${crypto.randomUUID()}`;
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.fenceMarginMs = Math.min(1000, this.leaseMs / 10);
    // Renewal comes once a third of the lease has passed, so at least two thirds remain when a
    // send starts: half the lease fits with the margin.
    this.sendTimeoutMs = Math.min(
      options.sendTimeoutMs ?? this.leaseMs / 2,
      (this.leaseMs * 2) / 3 - this.fenceMarginMs,
    );
    this.maxRefusals = options.maxRefusals ?? 5;
    this.readAhead = options.readAhead ?? 2;
    this.readLimit = this.batchSize;
  }

  /** Rows published by this relay since it started. */
  get publishedCount(): number {
    return this.published;
  }

  /** Rows this relay moved to `outbox_dead_letter` since it started. */
  get deadLetteredCount(): number {
    return this.deadLettered;
  }

  /** Whether this relay currently holds the outbox claim. */
  get isLeader(): boolean {
    return this.claim !== undefined;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Wakes an idle relay (call after committing a transaction that wrote outbox rows). */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    // Reads of the next batches, each chained after the previous one (ids past it).
    let ahead: Promise<Batch>[] = [];
    let deleting: Promise<void> = Promise.resolve();
    const drain = async (): Promise<void> => {
      const pending = ahead;
      ahead = [];
      await Promise.allSettled(pending);
    };
    while (!this.stopped) {
      try {
        const claim = await this.holdClaim();
        if (claim === undefined) {
          await drain();
          await deleting;
          await this.idle(Math.max(this.pollIntervalMs, Math.min(1000, this.leaseMs / 4)));
          continue;
        }
        const prefetched = ahead.shift();
        let batch = prefetched === undefined ? undefined : await prefetched;
        if (batch !== undefined && batch.epoch !== claim.epoch) {
          // Read under an earlier claim: another relay may have published those rows since.
          await drain();
          batch = undefined;
        }
        if (batch === undefined) {
          // A full scan may only run once every sent row is deleted, or it would send them again.
          await deleting;
          batch = await this.select(undefined, claim.epoch);
        }
        if (batch.rows.length === 0) {
          await drain();
          if (prefetched !== undefined) continue; // end of a run: rescan from the start at once
          await this.idle(this.pollIntervalMs);
          continue;
        }
        await this.options.afterClaim?.(batch.rows.map((r) => Number(r.id)));
        while (ahead.length < this.readAhead && !this.stopped) {
          const previous = ahead[ahead.length - 1] ?? Promise.resolve(batch);
          const read = previous.then((prev) =>
            prev.more
              ? this.select(Number(prev.rows[prev.rows.length - 1]!.id), prev.epoch)
              : { rows: [], epoch: prev.epoch, more: false },
          );
          read.catch(() => undefined); // awaited, and its error handled, on a later turn
          ahead.push(read);
        }
        const sent = await this.publish(batch);
        if (sent.length > 0) deleting = deleting.then(() => this.removeSent(sent));
        failures = 0;
      } catch (err) {
        await drain();
        if (err instanceof ClaimLostError) {
          this.options.logger.info({ relayId: this.relayId }, err.message);
          continue;
        }
        failures++;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.options.logger.warn(
          { err, relayId: this.relayId, delay },
          'outbox relay cycle failed',
        );
        await this.idle(delay);
      }
    }
    await drain();
    await deleting;
    await this.releaseClaim();
  }

  /**
   * Takes or renews the outbox claim (renewal once a third of the lease has passed); undefined
   * when another relay holds it.
   *
   * The epoch is raised whenever the claim changes hands, including to this relay after its own
   * lease ran out (it may have been taken and given back meanwhile), and left as it is by a
   * renewal of a live lease. `LAST_INSERT_ID(expr)` hands the new epoch back with the UPDATE's
   * answer, in the same round trip; SET assignments run left to right, so the IF still sees the
   * old owner and expiry.
   */
  private async holdClaim(): Promise<Claim | undefined> {
    const held = this.claim;
    if (held !== undefined && performance.now() - held.renewedAt < this.leaseMs / 3) return held;
    const asked = performance.now();
    const res = await sqlRun(
      this.options.orm.em.fork(),
      `UPDATE outbox_relay_lock
       SET epoch = LAST_INSERT_ID(IF(owner = ? AND lease_expires_at >= CURRENT_TIMESTAMP(3), epoch, epoch + 1)),
           owner = ?, lease_expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
       WHERE name = 'outbox'
         AND (owner IS NULL OR owner = ? OR lease_expires_at < CURRENT_TIMESTAMP(3))`,
      [this.relayId, this.relayId, this.leaseMs * 1000, this.relayId],
    );
    const claim: Claim | undefined =
      res.affectedRows > 0
        ? { epoch: Number(res.insertId), renewedAt: asked, validUntil: asked + this.leaseMs }
        : undefined;
    this.claim = claim;
    if (claim?.epoch !== held?.epoch)
      this.options.logger.info(
        { relayId: this.relayId, epoch: claim?.epoch },
        claim === undefined ? 'outbox claim lost' : 'outbox claim taken',
      );
    return claim;
  }

  /**
   * Until when this relay may put bytes of a batch read under `epoch` on the wire, or
   * ClaimLostError. This is where the relay is fenced:
   * - A batch read under an earlier epoch is never sent: this relay lost the claim (or let it
   *   lapse) since, and another relay may have published and deleted those rows, so sending them
   *   now would put old events after newer ones on their keys (seen: `B:o0…o9 A:o0…o4`).
   * - Bytes may leave only before the lease's expiry as this relay knows it, less a margin for
   *   bytes already on the wire; a standby can take the claim only after the database's expiry,
   *   which is later (the expiry was set after `renewedAt`). The publisher enforces it at each
   *   socket write, so neither a send that outlasts its deadline (kafkajs retries, 30 s request
   *   timeouts) nor a relay paused mid-cycle (GC, SIGSTOP, a starved VM) and resumed after a
   *   take-over publishes anything: `performance.now()` keeps running while the process is
   *   stopped, and every write checks it.
   * The send deadline is shorter than the lease, so a healthy relay renews in time and never
   * hits the fence. What this cannot stop is a request already written before the fence and then
   * held by the network for longer than the margin; only broker-side fencing (a transactional
   * producer per outbox) closes that, at the cost of a transaction per batch.
   */
  private async sendPermit(epoch: number): Promise<number> {
    const claim = await this.holdClaim();
    if (claim === undefined || claim.epoch !== epoch)
      throw new ClaimLostError('outbox claim lost or re-taken; rows read before are dropped');
    const until = Math.min(
      performance.now() + this.sendTimeoutMs,
      claim.validUntil - this.fenceMarginMs,
    );
    if (until <= performance.now()) throw new ClaimLostError('outbox claim about to expire');
    return until;
  }

  /** Sends a batch under its claim; returns the ids to delete (rows moved aside are gone already). */
  private async publish(batch: Batch): Promise<number[]> {
    try {
      await this.send(batch.rows, await this.sendPermit(batch.epoch));
    } catch (err) {
      if (refusalOf(err) === undefined) throw err;
      return this.publishOneByOne(batch);
    }
    this.published += batch.rows.length;
    for (const r of batch.rows) this.refusals.delete(Number(r.id));
    return batch.rows.map((r) => Number(r.id));
  }

  /**
   * After Kafka refused a batch, finds the row it refuses by sending them one at a time in id
   * order. A row too large for the topic, or refused `maxRefusals` times in a row, is moved aside;
   * another refusal ends the cycle (backoff, then the batch is read again from its first row).
   */
  private async publishOneByOne(batch: Batch): Promise<number[]> {
    const sent: number[] = [];
    try {
      for (const row of batch.rows) {
        const id = Number(row.id);
        try {
          await this.send([row], await this.sendPermit(batch.epoch));
          sent.push(id);
          this.refusals.delete(id);
        } catch (err) {
          const refusal = refusalOf(err);
          if (refusal === undefined) throw err;
          const count = (this.refusals.get(id) ?? 0) + 1;
          if (!refusal.tooLarge && count < this.maxRefusals) {
            this.refusals.set(id, count);
            throw err;
          }
          await this.moveAside(row, refusal.reason, count);
          this.refusals.delete(id);
        }
      }
    } finally {
      this.published += sent.length;
      if (sent.length > 0) await this.removeSent(sent);
    }
    return [];
  }

  private async moveAside(row: OutboxRow, reason: string, refusals: number): Promise<void> {
    const id = Number(row.id);
    await this.options.orm.em.fork().transactional(async (em) => {
      await sqlRun(
        em,
        `INSERT IGNORE INTO outbox_dead_letter
           (id, message_id, topic, partition_key, payload, headers, created_at, reason, refusals)
         SELECT id, message_id, topic, partition_key, payload, headers, created_at, ?, ?
         FROM outbox_message WHERE id = ?`,
        [reason, refusals, id],
      );
      // Deleted only once the same event is in the dead letters (moved now or by a relay before).
      await sqlRun(
        em,
        `DELETE FROM outbox_message WHERE id = ? AND EXISTS (
           SELECT 1 FROM outbox_dead_letter d
           WHERE d.id = outbox_message.id AND d.message_id = outbox_message.message_id)`,
        [id],
      );
    });
    this.deadLettered++;
    this.options.logger.error(
      { relayId: this.relayId, outboxId: id, topic: row.topic, key: row.partition_key, reason },
      'Kafka refuses an outbox row; moved to outbox_dead_letter',
    );
  }

  private async releaseClaim(): Promise<void> {
    if (this.claim === undefined) return;
    this.claim = undefined;
    await sqlRun(
      this.options.orm.em.fork(),
      "UPDATE outbox_relay_lock SET owner = NULL, lease_expires_at = NULL WHERE name = 'outbox' AND owner = ?",
      [this.relayId],
    ).catch(() => undefined);
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake || this.stopped) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // `wake` exists only while idle: a notify() while the relay is busy stays pending and the
      // next idle() returns at once (a wake left behind by a timed-out idle would swallow it).
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        this.pendingWake = false;
        done();
      };
    });
  }

  /**
   * Unsent rows in id order, at most `batchSize` and `maxBatchBytes` (at least one row);
   * `after` reads past rows still in flight (pipelining). Rows over the byte bound are read again
   * next time; while rows are large the read asks for fewer, so a batch of large rows costs a few
   * reads rather than `batchSize` large rows in memory.
   */
  private async select(after: number | undefined, epoch: number): Promise<Batch> {
    const limit = this.readLimit;
    const rows = await sqlRows<OutboxRow>(
      this.options.orm.em.fork(),
      `SELECT id, topic, partition_key, payload, headers FROM outbox_message
       ${after === undefined ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
      after === undefined ? [limit] : [after, limit],
    );
    let bytes = 0;
    let kept = 0;
    for (const r of rows) {
      const b = rowBytes(r);
      if (kept > 0 && bytes + b > this.maxBatchBytes) break;
      bytes += b;
      kept++;
    }
    const average = rows.length === 0 ? 0 : bytes / kept;
    this.readLimit =
      average === 0
        ? this.batchSize
        : Math.max(1, Math.min(this.batchSize, Math.ceil((this.maxBatchBytes / average) * 1.25)));
    return { rows: rows.slice(0, kept), epoch, more: rows.length === limit || kept < rows.length };
  }

  private async send(rows: readonly OutboxRow[], writableUntil: number): Promise<void> {
    await this.options.publisher.send(
      rows.map((r): OutgoingMessage => ({
        topic: r.topic,
        key: r.partition_key,
        value: r.payload,
        headers: JSON.parse(r.headers) as Record<string, string>,
      })),
      { writableUntil },
    );
  }

  private async removeSent(ids: readonly number[]): Promise<void> {
    try {
      await sqlRun(
        this.options.orm.em.fork(),
        // Ids are integers read back from the table: inlined, they spare client-side formatting
        // of hundreds of placeholders per batch.
        `DELETE FROM outbox_message WHERE id IN (${ids.map((id) => Math.trunc(id)).join(',')})`,
        [],
      );
    } catch (err) {
      // The rows go out again on the next full scan; consumers deduplicate.
      this.options.logger.error(
        { err, relayId: this.relayId },
        'could not delete sent outbox rows',
      );
    }
  }

  /** Claims, publishes and deletes one batch outside the loop; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const claim = await this.holdClaim();
    if (claim === undefined) return 0;
    const batch = await this.select(undefined, claim.epoch);
    if (batch.rows.length === 0) return 0;
    await this.options.afterClaim?.(batch.rows.map((r) => Number(r.id)));
    const before = this.published;
    const sent = await this.publish(batch);
    if (sent.length > 0) await this.removeSent(sent);
    return this.published - before;
  }
}
