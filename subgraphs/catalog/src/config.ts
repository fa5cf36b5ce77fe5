import { env } from '@shop/platform';
import { sagaCommandTopic, TOPICS } from '@shop/schema';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import type { z } from 'zod';

export const catalogConfigSchema = subgraphConfigSchema(4001).extend({
  MONGODB_URL: env.string('mongodb://127.0.0.1:27018'),
  MONGODB_DATABASE: env.string('shop_catalog'),
  // Stock and reservations: catalog's MariaDB database, saga commands and events on Kafka.
  ...mariadbSettings('catalog'),
  KAFKA_BROKERS: env.list('127.0.0.1:9093'),
  CATALOG_EVENTS_TOPIC: env.string(TOPICS.catalogEvents),
  STOCK_COMMAND_TOPIC: env.string(sagaCommandTopic('catalog')),
  STOCK_COMMAND_GROUP: env.string('catalog.saga-commands'),
});
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
