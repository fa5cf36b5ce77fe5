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
 * Writes events into the outbox table inside the caller's MikroORM transaction, so the event is
 * published if and only if the state change commits.
 */
export class Outbox {
  constructor(private readonly source: string) {}

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

  /** Enqueues an already built envelope. */
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
    await sqlRun(
      em,
      'INSERT INTO outbox_message (message_id, topic, partition_key, payload, headers) VALUES (?, ?, ?, ?, ?)',
      [envelope.id, topic, envelope.key, JSON.stringify(envelope), JSON.stringify(allHeaders)],
    );
  }
}
