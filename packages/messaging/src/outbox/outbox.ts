import type { EntityManager } from '@mikro-orm/core';
import { currentContext } from '@shop/platform';
import {
  createEnvelope,
  type Contract,
  type DataOf,
  type Envelope,
  type EnvelopeOf,
} from '@shop/schema';
import { contextHeaders, type MessageHeaders } from '../headers.js';
import { sqlRun } from '../sql.js';

export interface OutboxWrite<C extends Contract> {
  readonly topic: string;
  readonly key: string;
  readonly data: DataOf<C>;
  /** Defaults to a new UUID; pass a deterministic id to make a write idempotent. */
  readonly id?: string;
  readonly headers?: MessageHeaders;
}

/**
 * The largest event (value, key and headers) the outbox takes by default: below Kafka's default
 * `message.max.bytes` (1,048,588) with room for the record batch's own overhead.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

export interface OutboxOptions {
  /**
   * An event larger than this (value + key + header bytes) is refused by `add` with
   * `OutboxMessageTooLargeError`, before the transaction commits, instead of being refused by
   * Kafka after it. Keep it at or below the topics' `max.message.bytes` and the relay's
   * `maxBatchBytes`. @default 1000000
   */
  readonly maxMessageBytes?: number;
}

/** An event too large for Kafka, refused at `Outbox.add` (the caller's transaction rolls back). */
export class OutboxMessageTooLargeError extends Error {
  override readonly name = 'OutboxMessageTooLargeError';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `event for ${topic} is ${bytes} bytes, over the outbox limit of ${maxBytes} bytes (value, key and headers); Kafka would refuse it`,
    );
  }
}

/** Bytes Kafka counts for a message's value, key and headers (the record batch adds a little). */
export function messageBytes(
  value: string | Buffer,
  key: string,
  headers: Readonly<Record<string, string>>,
): number {
  let n = Buffer.byteLength(value) + Buffer.byteLength(key);
  for (const [name, v] of Object.entries(headers))
    n += Buffer.byteLength(name) + Buffer.byteLength(v);
  return n;
}

/**
 * Writes events into the outbox table inside the caller's MikroORM transaction, so the event is
 * published if and only if the state change commits.
 */
export class Outbox {
  private readonly maxMessageBytes: number;

  constructor(
    private readonly source: string,
    options: OutboxOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Validates and enqueues one event; must be called inside `em.transactional(...)`. */
  async add<C extends Contract>(
    em: EntityManager,
    contract: C,
    write: OutboxWrite<C>,
  ): Promise<EnvelopeOf<C>> {
    const ctx = currentContext();
    const envelope = createEnvelope(contract, {
      key: write.key,
      source: this.source,
      data: write.data,
      ...(write.id === undefined ? {} : { id: write.id }),
      ...(ctx === undefined
        ? {}
        : {
            correlationId: ctx.correlationId ?? ctx.requestId,
            causationId: ctx.causationId ?? null,
          }),
    });
    await this.addEnvelope(em, write.topic, envelope, write.headers);
    return envelope;
  }

  /** Enqueues an already built envelope; refuses one over `maxMessageBytes`. */
  async addEnvelope(
    em: EntityManager,
    topic: string,
    envelope: Envelope,
    headers: MessageHeaders = {},
  ): Promise<void> {
    if (!em.isInTransaction())
      throw new Error('Outbox.add must run inside the state change transaction');
    const allHeaders = {
      ...contextHeaders(undefined, {
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
      }),
      ...headers,
    };
    const payload = JSON.stringify(envelope);
    const bytes = messageBytes(payload, envelope.key, allHeaders);
    if (bytes > this.maxMessageBytes)
      throw new OutboxMessageTooLargeError(topic, bytes, this.maxMessageBytes);
    await sqlRun(
      em,
      'INSERT INTO outbox_message (message_id, topic, partition_key, payload, headers) VALUES (?, ?, ?, ?, ?)',
      [envelope.id, topic, envelope.key, payload, JSON.stringify(allHeaders)],
    );
  }
}
