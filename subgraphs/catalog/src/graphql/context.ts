import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { Product } from '../domain/product.js';

export interface CatalogContext extends BaseSubgraphContext {
  readonly products: BatchLoader<string, Product>;
}
