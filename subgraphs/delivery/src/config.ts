import { env } from '@shop/platform';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import type { z } from 'zod';

export const deliveryConfigSchema = subgraphConfigSchema(4004).extend({
  MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/shop_delivery'),
});
export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;
