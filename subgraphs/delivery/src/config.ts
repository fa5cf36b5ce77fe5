import { subgraphConfigSchema } from '@shop/subgraph-kit';
import { mariadbSettings } from '@shop/subgraph-kit/mikro-orm';
import type { z } from 'zod';

export const deliveryConfigSchema = subgraphConfigSchema(4004).extend({
  ...mariadbSettings('delivery'),
});
export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;
