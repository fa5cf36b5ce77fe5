import type { EntityManager } from '@mikro-orm/mysql';
import { OrderEntity, type OrderRecord } from '../persistence/order.entity.js';

/**
 * Reads orders. Callers check ownership (`isSelfOrAdmin` / `assertSelfOrAdmin`): an order is
 * visible only to its customer and to admins.
 */
export class OrdersService {
  constructor(private readonly em: EntityManager) {}

  /** Newest first, grouped by user: one query for any number of users. */
  async byUserIds(userIds: readonly string[]): Promise<Map<string, OrderRecord[]>> {
    const orders = await this.em
      .fork()
      .find(
        OrderEntity,
        { userId: { $in: [...userIds] } },
        { orderBy: { createdAt: 'desc', id: 'asc' } },
      );
    const byUser = new Map<string, OrderRecord[]>(userIds.map((id) => [id, []]));
    for (const o of orders) byUser.get(o.userId)?.push(o);
    return byUser;
  }

  /** One query for any number of order ids. */
  async byIds(ids: readonly string[]): Promise<Map<string, OrderRecord>> {
    const orders = await this.em.fork().find(OrderEntity, { id: { $in: [...ids] } });
    return new Map(orders.map((o) => [o.id, o]));
  }
}
