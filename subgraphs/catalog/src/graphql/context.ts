import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { Product } from '../domain/product.js';
import type { StockLevel } from '../domain/stock.js';

export interface CatalogContext extends BaseSubgraphContext {
  readonly products: BatchLoader<string, Product>;
  readonly stock: BatchLoader<string, StockLevel>;
}
