import { env } from '@shop/platform';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import type { z } from 'zod';

export const ordersConfigSchema = subgraphConfigSchema(4003).extend({
  MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/shop_orders'),
});
export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
