import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '@shop/platform';
import type { ISocketFactory, Kafka, KafkaConfig, Producer } from 'kafkajs';
import type { MessageHeaders } from '../headers.js';

export interface OutgoingMessage {
  readonly topic: string;
  /** Bytes are sent as they are; null sends no key (the partitioner then picks the partition). */
  readonly key: string | Buffer | null;
  /** null is a tombstone. */
  readonly value: string | Buffer | null;
  readonly headers?: MessageHeaders;
  /** A fixed partition instead of the key's. */
  readonly partition?: number;
}

export interface PublisherOptions {
  /** Idempotent producer: acks=all, one request in flight, so order per partition holds. @default true */
  readonly idempotent?: boolean;
}

export interface SendOptions {
  /**
   * A `performance.now()` time after which not one more byte of this send may leave the process
   * (a fencing deadline, see `OutboxRelay`): the send then fails with `PublisherFencedError`,
   * and kafkajs's own retries of it are cut off too. For one sender at a time. @default none
   */
  readonly writableUntil?: number;
}

/** A send refused or cut off at its `writableUntil`. */
export class PublisherFencedError extends Error {
  override readonly name = 'PublisherFencedError';
}

/** Builds the kafkajs client of one producer generation, with the socket factory given. */
export type KafkaFactory = (extra: Pick<KafkaConfig, 'socketFactory'>) => Kafka;

/**
 * Lets bytes out of one producer generation's sockets only until `until`, and never again once
 * closed. kafkajs has no way to cancel a send: a producer disconnected mid-send reconnects and
 * retries it. Every write of this generation goes through `socket.write`, checked here, so a send
 * past its deadline cannot put a byte on the wire, whatever kafkajs's retrier does next.
 */
class WriteGate {
  until = Number.POSITIVE_INFINITY;
  private closed = false;
  private readonly sockets = new Set<net.Socket>();

  open(): boolean {
    return !this.closed && performance.now() <= this.until;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets) s.destroy(new PublisherFencedError('producer replaced'));
    this.sockets.clear();
  }

  /** kafkajs's default socket factory with the gate in front of `write`. */
  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket: net.Socket = ssl
      ? tls.connect(
          { host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl },
          onConnect,
        )
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const write = socket.write.bind(socket);
    // kafkajs writes `(buffer, 'binary')`; every overload ends in the same call.
    socket.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      if (this.open()) return write(chunk, ...(rest as [BufferEncoding]));
      socket.destroy(new PublisherFencedError('write past the send deadline refused'));
      return false;
    };
    return socket;
  };
}

interface Generation {
  readonly gate: WriteGate;
  readonly producer: Producer;
  readonly connected: Promise<void>;
}

/**
 * A kafkajs producer that is rebuilt after a failed send: after a broker restart an idempotent
 * kafkajs producer can keep failing with sequence errors, and a fresh producer id clears that.
 * Each producer generation has its own client and write gate (see `SendOptions.writableUntil`).
 */
export class KafkaPublisher {
  private generation: Generation | undefined;
  private closed = false;

  constructor(
    private readonly kafka: KafkaFactory,
    private readonly logger: Logger,
    private readonly options: PublisherOptions,
    private readonly onClose: () => void,
  ) {}

  /** Sends messages in order (per topic and partition) and resolves when all are acknowledged. */
  async send(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    if (this.closed) throw new Error('publisher closed');
    const byTopic = new Map<
      string,
      {
        key: string | Buffer | null;
        value: string | Buffer | null;
        headers: MessageHeaders;
        partition?: number;
      }[]
    >();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, (list = []));
      list.push({
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        ...(m.partition === undefined ? {} : { partition: m.partition }),
      });
    }
    const until = options.writableUntil ?? Number.POSITIVE_INFINITY;
    if (performance.now() > until) throw new PublisherFencedError('send deadline already passed');
    const gen = (this.generation ??= this.newGeneration());
    gen.gate.until = until;
    let timer: NodeJS.Timeout | undefined;
    try {
      const sending = gen.connected.then(() =>
        gen.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
        }),
      );
      if (Number.isFinite(until)) {
        sending.catch(() => undefined); // it may settle after the deadline: cut off, not awaited
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new PublisherFencedError('send outlasted its deadline')),
            Math.max(0, until - performance.now()),
          );
        });
        await Promise.race([sending, deadline]);
      } else await sending;
    } catch (err) {
      this.logger.warn({ err }, 'kafka send failed; the producer will be recreated');
      await this.reset(gen);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private newGeneration(): Generation {
    const gate = new WriteGate();
    const idempotent = this.options.idempotent ?? true;
    const producer = this.kafka({ socketFactory: gate.socketFactory }).producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : 5,
      allowAutoTopicCreation: true,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    const gen: Generation = { gate, producer, connected: producer.connect() };
    gen.connected.catch(() => {
      if (this.generation === gen) this.generation = undefined;
      gate.close();
      void producer.disconnect().catch(() => undefined);
    });
    return gen;
  }

  /** After a failure: no byte of this generation may go out any more, then let it go. */
  private async reset(gen: Generation | undefined = this.generation): Promise<void> {
    if (gen === undefined) return;
    if (this.generation === gen) this.generation = undefined;
    gen.gate.close();
    await gen.producer.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const gen = this.generation;
    this.generation = undefined;
    // Nothing in flight: disconnect first, so kafkajs closes its sockets itself, quietly.
    await gen?.producer.disconnect().catch(() => undefined);
    gen?.gate.close();
    this.onClose();
  }
}
