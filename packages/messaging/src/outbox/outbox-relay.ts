import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import type { KafkaPublisher } from '../kafka/kafka-publisher.js';
import { sqlRows, sqlRun } from '../sql.js';

export interface OutboxRelayOptions {
  readonly orm: MikroORM;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  /** Unique per relay process. @default a random id */
  readonly relayId?: string;
  /** Rows per Kafka batch. @default 500 */
  readonly batchSize?: number;
  /** Idle poll interval; `notify()` wakes the relay at once. @default 50 */
  readonly pollIntervalMs?: number;
  /** How long the outbox claim lasts without renewal (a dead relay's claim expires after this). @default 10000 */
  readonly leaseMs?: number;
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
 * Sent rows are deleted rather than marked: every row in the table is unsent, so the next batch is
 * a primary-key range read and no secondary index changes per row. Marking (`sent_at` set from
 * NULL) rewrote each whole row and its index entry and cost MariaDB twice the CPU of the delete,
 * CPU the relay's own process then lacked on a small machine. Kafka keeps the published events;
 * the outbox is a queue, not an archive.
 *
 * Pipelining: while one batch is in flight the next is read and the previous one deleted.
 */
export class OutboxRelay {
  readonly relayId: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly readAhead: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private published = 0;
  private leaseRenewedAt = 0;
  private leader = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.relayId = options.relayId ?? `relay-${crypto.randomUUID()}`;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.readAhead = options.readAhead ?? 2;
  }

  /** Rows published by this relay since it started. */
  get publishedCount(): number {
    return this.published;
  }

  /** Whether this relay currently holds the outbox claim. */
  get isLeader(): boolean {
    return this.leader;
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
    let ahead: Promise<OutboxRow[]>[] = [];
    let deleting: Promise<void> = Promise.resolve();
    const drain = async (): Promise<void> => {
      const pending = ahead;
      ahead = [];
      await Promise.allSettled(pending);
    };
    while (!this.stopped) {
      try {
        if (!(await this.holdClaim())) {
          await drain();
          await deleting;
          await this.idle(Math.max(this.pollIntervalMs, Math.min(1000, this.leaseMs / 4)));
          continue;
        }
        const prefetched = ahead.shift();
        let rows: OutboxRow[];
        if (prefetched !== undefined) rows = await prefetched;
        else {
          // A full scan may only run once every sent row is deleted, or it would send them again.
          await deleting;
          rows = await this.select(undefined);
        }
        if (rows.length === 0) {
          await drain();
          if (prefetched !== undefined) continue; // end of a run: rescan from the start at once
          await this.idle(this.pollIntervalMs);
          continue;
        }
        const ids = rows.map((r) => Number(r.id));
        await this.options.afterClaim?.(ids);
        while (ahead.length < this.readAhead && !this.stopped) {
          const previous = ahead[ahead.length - 1] ?? Promise.resolve(rows);
          const read = previous.then((prev) =>
            prev.length === this.batchSize ? this.select(Number(prev[prev.length - 1]!.id)) : [],
          );
          read.catch(() => undefined); // awaited, and its error handled, on a later turn
          ahead.push(read);
        }
        await this.send(rows);
        this.published += rows.length;
        deleting = deleting.then(() => this.removeSent(ids));
        failures = 0;
      } catch (err) {
        failures++;
        await drain();
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

  /** Takes or renews the outbox claim; renewal happens once a third of the lease has passed. */
  private async holdClaim(): Promise<boolean> {
    if (this.leader && Date.now() - this.leaseRenewedAt < this.leaseMs / 3) return true;
    const asked = Date.now();
    const res = await sqlRun(
      this.options.orm.em.fork(),
      `UPDATE outbox_relay_lock
       SET owner = ?, lease_expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
       WHERE name = 'outbox'
         AND (owner IS NULL OR owner = ? OR lease_expires_at < CURRENT_TIMESTAMP(3))`,
      [this.relayId, this.leaseMs * 1000, this.relayId],
    );
    const wasLeader = this.leader;
    this.leader = res.affectedRows > 0;
    if (this.leader) this.leaseRenewedAt = asked;
    if (this.leader !== wasLeader)
      this.options.logger.info(
        { relayId: this.relayId },
        this.leader ? 'outbox claim taken' : 'outbox claim lost',
      );
    return this.leader;
  }

  private async releaseClaim(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
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

  /** Unsent rows in id order; `after` reads past rows still in flight (pipelining). */
  private select(after: number | undefined): Promise<OutboxRow[]> {
    return sqlRows<OutboxRow>(
      this.options.orm.em.fork(),
      `SELECT id, topic, partition_key, payload, headers FROM outbox_message
       ${after === undefined ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
      after === undefined ? [this.batchSize] : [after, this.batchSize],
    );
  }

  private async send(rows: readonly OutboxRow[]): Promise<void> {
    await this.options.publisher.send(
      rows.map((r) => ({
        topic: r.topic,
        key: r.partition_key,
        value: r.payload,
        headers: JSON.parse(r.headers) as Record<string, string>,
      })),
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
    if (!(await this.holdClaim())) return 0;
    const rows = await this.select(undefined);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => Number(r.id));
    await this.options.afterClaim?.(ids);
    await this.send(rows);
    await this.removeSent(ids);
    this.published += rows.length;
    return rows.length;
  }
}
