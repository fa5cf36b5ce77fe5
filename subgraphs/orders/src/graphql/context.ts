import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type {
  OrderRecord,
  OrderStatusChangeRecord,
  PaymentRecord,
} from '../persistence/order.entity.js';
import type { OrderQueries } from '../service/order-queries.service.js';

export interface OrdersContext extends BaseSubgraphContext {
  /** For the reference resolvers, which type-graphql does not construct. */
  readonly queries: OrderQueries;
  readonly ordersById: BatchLoader<string, OrderRecord>;
  readonly payments: BatchLoader<string, PaymentRecord>;
  readonly history: BatchLoader<string, OrderStatusChangeRecord[]>;
}
