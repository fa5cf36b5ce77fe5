import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import type { z } from 'zod';

export const cartConfigSchema = subgraphConfigSchema(4002).extend({
  ...mariadbSettings('cart'),
});
export type CartConfig = z.infer<typeof cartConfigSchema>;
