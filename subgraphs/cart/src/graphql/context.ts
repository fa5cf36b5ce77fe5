import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { StoredCart } from '../persistence/cart.repository.js';
import type { CartService } from '../service/cart.service.js';
import type { ProductFactsLookup } from '../service/catalog-facts.js';

export interface CartContext extends BaseSubgraphContext {
  /** For the reference resolvers, which type-graphql does not construct. */
  readonly carts: CartService;
  readonly cartsByUser: BatchLoader<string, StoredCart>;
  readonly cartsById: BatchLoader<string, StoredCart>;
  /** Catalog's prices and availability, batched: one catalog call for all carts of a request. */
  readonly facts: ProductFactsLookup;
}
