import { env } from '@shop/platform';
import { subgraphConfigSchema } from '@shop/subgraph-kit';
import type { z } from 'zod';

export const catalogConfigSchema = subgraphConfigSchema(4001).extend({
  MONGODB_URL: env.string('mongodb://127.0.0.1:27018'),
  MONGODB_DATABASE: env.string('shop_catalog'),
});
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
