import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import type { z } from 'zod';

export const ordersConfigSchema = subgraphConfigSchema(4003).extend({
  ...mariadbSettings('orders'),
});
export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
