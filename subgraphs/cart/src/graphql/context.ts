import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { CartRecord } from '../persistence/cart.entity.js';

export interface CartContext extends BaseSubgraphContext {
  readonly cartsByUser: BatchLoader<string, CartRecord>;
  readonly cartsById: BatchLoader<string, CartRecord>;
}
