import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@shop/platform';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

/** Who a `delivery.shipment-changed` event concerns: what the subscriptions match on. */
export interface ShipmentChangeSignal {
  readonly orderId: string;
  readonly partnerUserIds: readonly string[];
}

export interface DeliveryEventSourceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** Deadline of each Kafka request. @default 5000 */
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

export interface DeliveryEventSource {
  /** Calls `onSignal` for each shipment change, `onResync` each time the consumer (re)joins. */
  start(handlers: {
    readonly onSignal: (signal: ShipmentChangeSignal) => void;
    readonly onResync: () => void;
  }): Promise<void>;
  /** True once the consumer has joined and holds the topic's partitions. */
  readonly ready: () => boolean;
  close(): Promise<void>;
}

/** The fields of a `delivery.shipment-changed@1` envelope this source reads; anything else is skipped. */
export function signalOf(value: Buffer | null): ShipmentChangeSignal | undefined {
  if (value === null) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const e = envelope as { type?: unknown; version?: unknown; data?: Record<string, unknown> };
  if (e.type !== 'delivery.shipment-changed' || e.version !== 1 || typeof e.data !== 'object')
    return undefined;
  const { orderId, partnerUserId, previousPartnerUserId } = e.data;
  if (typeof orderId !== 'string') return undefined;
  return {
    orderId,
    partnerUserIds: [partnerUserId, previousPartnerUserId].filter(
      (id): id is string => typeof id === 'string',
    ),
  };
}

/**
 * A Kafka consumer of `delivery.events` per gateway replica, in a consumer group of its own, so
 * every replica sees every event and wakes the subscriptions on its own sockets. It commits no
 * offsets and starts at the end of the topic: the events are only wake-up signals. What a
 * subscriber receives comes from delivery's log after its cursor (subscription-feed.ts), so a
 * signal missed while this consumer was away costs nothing but latency: each (re)join wakes every
 * subscription to reread its log.
 */
export function createDeliveryEventSource(
  options: DeliveryEventSourceOptions,
): DeliveryEventSource {
  const timeoutMs = options.timeoutMs ?? 5000;
  const kafka = new Kafka({
    clientId: 'gateway',
    brokers: [...options.brokers],
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        if (level <= logLevel.WARN) options.logger.warn({ kafka: log.message }, 'kafka');
      },
  });
  // A group per process: with one shared group each event would reach one replica only.
  const groupId = `gateway-subscriptions-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  let consumer: Consumer | undefined;
  let joined = false;
  return {
    ready: () => joined,
    async start({ onSignal, onResync }) {
      consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 100,
        retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
      });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
        onResync();
      });
      consumer.on(consumer.events.CRASH, () => {
        joined = false;
      });
      consumer.on(consumer.events.DISCONNECT, () => {
        joined = false;
      });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const signal = signalOf(message.value);
          if (signal !== undefined) onSignal(signal);
        },
      });
    },
    async close() {
      joined = false;
      await consumer?.disconnect();
    },
  };
}
