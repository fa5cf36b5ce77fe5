import { env } from '@shop/platform';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import type { z } from 'zod';

export const cartConfigSchema = subgraphConfigSchema(4002).extend({
  MYSQL_URL: env.url('mysql://shop:shop@127.0.0.1:3307/shop_cart'),
});
export type CartConfig = z.infer<typeof cartConfigSchema>;
