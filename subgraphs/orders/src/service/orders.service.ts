import type { EntityManager } from '@mikro-orm/mysql';
import { ForbiddenError } from '@shop/platform';
import { hasRole, type Identity } from '@shop/subgraph-kit';
import { OrderEntity, type OrderRecord } from '../persistence/order.entity.js';

/** Reads orders; every read checks that the caller owns the order (or is an admin). */
export class OrdersService {
  constructor(private readonly em: EntityManager) {}

  static canRead(identity: Identity, userId: string): boolean {
    return identity.userId === userId || hasRole(identity, 'admin');
  }

  static assertOwner(identity: Identity, userId: string): void {
    if (!OrdersService.canRead(identity, userId))
      throw new ForbiddenError('these orders belong to another user');
  }

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
