import type { MikroORM } from '@mikro-orm/mysql';
import { ConflictError, NotFoundError, UnauthenticatedError } from '@shop/platform';
import type { Identity } from '@shop/subgraph-kit';
import type { OrderRecord } from '../persistence/order.entity.js';
import type { OrderLifecycle } from './order-lifecycle.service.js';

/**
 * What a customer asks of an existing order. Ownership is decided here: only the order's own
 * customer may cancel it (an admin acts through the sagas' tooling, not as the customer).
 */
export class OrderCommands {
  constructor(
    private readonly orm: MikroORM,
    private readonly lifecycle: OrderLifecycle,
    private readonly afterCommit?: () => void,
  ) {}

  /**
   * CONFIRMED → CANCELLING and `orders.order-cancel-requested` (which starts the cancel-order
   * saga) in one transaction. Asking again while it is being cancelled, or once it is, answers the
   * order as it stands and writes nothing: twenty concurrent requests write one event (the row lock
   * in `OrderLifecycle` serialises them).
   */
  async cancelOrder(identity: Identity, orderId: string, reason?: string): Promise<OrderRecord> {
    const userId = identity.userId;
    if (userId === undefined) throw new UnauthenticatedError('sign in to cancel an order');
    const result = await this.orm.em.fork().transactional(async (em) => {
      const r = await this.lifecycle.apply(em, orderId, {
        event: 'request-cancel',
        ...(reason === undefined ? {} : { reason }),
      });
      // Someone else's order is refused as if it did not exist, and before anything is written:
      // the transaction rolls back.
      if (r.kind === 'missing' || r.order.userId !== userId)
        throw new NotFoundError('no such order');
      return r;
    });
    switch (result.kind) {
      case 'move':
        this.afterCommit?.();
        return result.order;
      case 'noop':
        return result.order;
      case 'illegal':
        throw new ConflictError(
          result.status === 'PENDING'
            ? 'the order is still being placed; cancel it once it is confirmed'
            : result.message,
          { status: result.status },
        );
    }
  }
}
