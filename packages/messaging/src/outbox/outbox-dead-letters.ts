import type { EntityManager } from '@mikro-orm/core';
import { sqlRows } from '../sql.js';

/** An outbox row Kafka refused for good, moved aside by the relay (see `OutboxRelay`). */
export interface OutboxDeadLetter {
  /** The outbox row's id. */
  readonly id: number;
  readonly messageId: string;
  readonly topic: string;
  readonly key: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly deadAt: string;
  readonly refusals: number;
  readonly reason: string;
}

/** The outbox dead letters of one database, oldest first. */
export async function listOutboxDeadLetters(em: EntityManager): Promise<OutboxDeadLetter[]> {
  const rows = await sqlRows<{
    id: number | string;
    message_id: string;
    topic: string;
    partition_key: string;
    bytes: number | string;
    created_at: Date | string;
    dead_at: Date | string;
    refusals: number;
    reason: string;
  }>(
    em,
    `SELECT id, message_id, topic, partition_key, LENGTH(payload) AS bytes, created_at, dead_at,
            refusals, reason
     FROM outbox_dead_letter ORDER BY id`,
  );
  const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : String(d));
  return rows.map((r) => ({
    id: Number(r.id),
    messageId: r.message_id,
    topic: r.topic,
    key: r.partition_key,
    bytes: Number(r.bytes),
    createdAt: iso(r.created_at),
    deadAt: iso(r.dead_at),
    refusals: Number(r.refusals),
    reason: r.reason,
  }));
}
