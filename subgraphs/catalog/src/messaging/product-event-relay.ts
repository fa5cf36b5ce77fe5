import { contextHeaders, type KafkaPublisher } from '@shop/messaging';
import type { Logger } from '@shop/platform';
import { createEnvelope, productUpsertedV1, TOPICS } from '@shop/schema';
import type {
  ProductsRepository,
  ProductWithPendingEvent,
} from '../persistence/products.repository.js';

export interface ProductEventRelayOptions {
  readonly products: ProductsRepository;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  /** @default 'catalog.events' */
  readonly topic?: string;
  /** Products read per round. @default 200 */
  readonly batchSize?: number;
  /**
   * Idle poll interval: what finds events left by a crashed process or another instance; a
   * change made in this process wakes the relay at once through `notify()`. @default 1000
   */
  readonly pollIntervalMs?: number;
}

/**
 * Publishes the events that product documents owe (`pendingEvent`) to `catalog.events`, then clears
 * each one, unless a newer change replaced it meanwhile (that one is published next round).
 *
 * Crash safety: the event is cleared only after Kafka acknowledged it, so a crash before or during
 * the send leaves it in the document and the next relay publishes it; a crash between the send
 * and the clear publishes it again with the same envelope id, which consumers deduplicate. Several
 * instances may relay at once with the same at-least-once result; order per product holds because
 * a product has at most one pending event and its revision is in the payload.
 */
export class ProductEventRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private published = 0;

  constructor(private readonly options: ProductEventRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.stopped = false;
    this.running = this.loop();
  }

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

  /** Publishes one round; returns how many events were sent. */
  async publishOnce(): Promise<number> {
    const pending = await this.options.products.withPendingEvents(this.batchSize);
    if (pending.length === 0) return 0;
    await this.options.publisher.send(
      pending.map((p) => toMessage(p, this.options.topic ?? TOPICS.catalogEvents)),
    );
    await Promise.all(
      pending.map((p) => this.options.products.clearPendingEvent(p.productId, p.event.id)),
    );
    this.published += pending.length;
    return pending.length;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      this.pendingWake = false;
      try {
        const sent = await this.publishOnce();
        failures = 0;
        if (sent === this.batchSize) continue;
        await this.idle(this.pollIntervalMs);
      } catch (err) {
        failures++;
        this.options.logger.warn({ err, failures }, 'product event relay round failed; retrying');
        await this.idle(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

function toMessage({ productId, event }: ProductWithPendingEvent, topic: string) {
  const envelope = createEnvelope(productUpsertedV1, {
    id: event.id,
    key: productId,
    source: 'catalog',
    occurredAt: event.occurredAt,
    ...(event.correlationId === null ? {} : { correlationId: event.correlationId }),
    data: { productId, revision: event.revision },
  });
  return {
    topic,
    key: productId,
    value: JSON.stringify(envelope),
    headers: contextHeaders(undefined, {
      requestId: event.correlationId ?? event.id,
      correlationId: envelope.correlationId,
    }),
  };
}
