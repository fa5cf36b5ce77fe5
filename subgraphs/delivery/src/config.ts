import { env } from '@shop/platform';
import { sagaCommandTopic, TOPICS } from '@shop/schema';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const deliveryConfigSchema = subgraphConfigSchema(4004).extend({
  ...mariadbSettings('delivery'),
  KAFKA_BROKERS: env.list('127.0.0.1:9093'),
  DELIVERY_EVENTS_TOPIC: env.string(TOPICS.deliveryEvents),
  DELIVERY_COMMAND_TOPIC: env.string(sagaCommandTopic('delivery')),
  DELIVERY_COMMAND_GROUP: env.string('delivery.saga-commands'),
  /** How long an assigned partner has to accept before the shipment moves to the next one. */
  DELIVERY_ACCEPT_TIMEOUT_MS: ms(120_000),
  /** How often the deadline sweep runs (timed-out assignments, shipments waiting for a partner). */
  DELIVERY_SWEEP_INTERVAL_MS: ms(5_000),
  /** How long a shipment nobody could take waits before the sweep tries it again. */
  DELIVERY_RETRY_PENDING_MS: ms(60_000),
});
export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;
