import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import type { KafkaPublisher } from '../kafka/kafka-publisher.js';
import { sqlRows, sqlRun } from '../sql.js';

export interface OutboxRelayOptions {
  readonly orm: MikroORM;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  /** Unique per relay process. @default a random id */
  readonly relayId?: string;
  /** Rows per claim and per Kafka batch. @default 500 */
  readonly batchSize?: number;
  /** Idle poll interval; `notify()` wakes the relay at once. @default 50 */
  readonly pollIntervalMs?: number;
  /** How long a claim protects rows from other relays. @default 30000 */
  readonly leaseMs?: number;
  /** Sent rows older than this are deleted. @default 3600000 (1 h) */
  readonly retentionMs?: number;
  /** Test hook: called after rows are claimed, before they are sent. */
  readonly afterClaim?: (ids: readonly number[]) => Promise<void>;
}

interface OutboxRow {
  id: number | string;
  topic: string;
  partition_key: string;
  payload: string;
  headers: string;
}

/**
 * Publishes outbox rows to Kafka and marks them sent. Rows are claimed in a short transaction
 * serialised on a lock row, so several relays never take the same row, and a relay never takes a
 * key that another live claim holds, so order per key survives several relays. A relay that dies
 * leaves its claim to expire; another relay (or its restart) takes the rows over. Publishing is
 * at-least-once (a crash after send and before marking sent republishes); consumers deduplicate.
 */
export class OutboxRelay {
  readonly relayId: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private published = 0;
  private lastPurge = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.relayId = options.relayId ?? `relay-${crypto.randomUUID()}`;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retentionMs = options.retentionMs ?? 3_600_000;
  }

  /** Rows published by this relay since it started. */
  get publishedCount(): number {
    return this.published;
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
    while (!this.stopped) {
      try {
        const n = await this.publishBatch();
        failures = 0;
        if (n > 0) continue;
        await this.purge();
        await this.idle(this.pollIntervalMs);
      } catch (err) {
        failures++;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.options.logger.warn(
          { err, relayId: this.relayId, delay },
          'outbox relay cycle failed',
        );
        await this.idle(delay);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        this.pendingWake = false;
        done();
      };
    });
  }

  /** Claims, publishes and marks one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const em = this.options.orm.em.fork();
    const rows = await this.claim(em);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => Number(r.id));
    await this.options.afterClaim?.(ids);
    try {
      await this.options.publisher.send(
        rows.map((r) => ({
          topic: r.topic,
          key: r.partition_key,
          value: r.payload,
          headers: JSON.parse(r.headers) as Record<string, string>,
        })),
      );
    } catch (err) {
      // Let other relays (or our next cycle) retry the rows at once rather than after the lease.
      await sqlRun(
        em,
        `UPDATE outbox_message SET claimed_by = NULL, claim_expires_at = NULL
         WHERE claimed_by = ? AND sent_at IS NULL AND id IN (${ids.map(() => '?').join(',')})`,
        [this.relayId, ...ids],
      ).catch(() => undefined);
      throw err;
    }
    await sqlRun(
      em,
      `UPDATE outbox_message SET sent_at = CURRENT_TIMESTAMP(3), claimed_by = NULL, claim_expires_at = NULL
       WHERE id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    this.published += rows.length;
    return rows.length;
  }

  private async claim(em: EntityManager): Promise<OutboxRow[]> {
    return em.transactional(async (tx) => {
      await sqlRows(tx, "SELECT name FROM outbox_relay_lock WHERE name = 'outbox' FOR UPDATE");
      const busy = await sqlRows<{ partition_key: string }>(
        tx,
        `SELECT DISTINCT partition_key FROM outbox_message
         WHERE sent_at IS NULL AND claimed_by IS NOT NULL AND claimed_by <> ?
           AND claim_expires_at > CURRENT_TIMESTAMP(3)`,
        [this.relayId],
      );
      const busyKeys = busy.map((b) => b.partition_key);
      const rows = await sqlRows<OutboxRow>(
        tx,
        `SELECT id, topic, partition_key, payload, headers FROM outbox_message
         WHERE sent_at IS NULL
           AND (claimed_by IS NULL OR claimed_by = ? OR claim_expires_at <= CURRENT_TIMESTAMP(3))
           ${busyKeys.length > 0 ? `AND partition_key NOT IN (${busyKeys.map(() => '?').join(',')})` : ''}
         ORDER BY id LIMIT ?`,
        [this.relayId, ...busyKeys, this.batchSize],
      );
      if (rows.length === 0) return [];
      await sqlRun(
        tx,
        `UPDATE outbox_message
         SET claimed_by = ?, claim_expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
         WHERE id IN (${rows.map(() => '?').join(',')})`,
        [this.relayId, this.leaseMs * 1000, ...rows.map((r) => r.id)],
      );
      return rows;
    });
  }

  private async purge(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await sqlRun(
      this.options.orm.em.fork(),
      `DELETE FROM outbox_message
       WHERE sent_at IS NOT NULL AND sent_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT 5000`,
      [this.retentionMs * 1000],
    );
  }
}
