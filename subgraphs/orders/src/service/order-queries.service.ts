import type { EntityManager, FilterQuery } from '@mikro-orm/mysql';
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from '@shop/platform';
import { assertSelfOrAdmin, hasRole, isSelfOrAdmin, type Identity } from '@shop/subgraph-kit';
import type { OrderStatus } from '../domain/order.js';
import { OrderEntity, type OrderRecord } from '../persistence/order.entity.js';

export interface PageRequest {
  /** @default 20 */
  readonly first?: number | null;
  /** The `endCursor` of the previous page. */
  readonly after?: string | null;
}

export interface OrderPage {
  readonly orders: OrderRecord[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

const MAX_PAGE = 100;

/** Opaque keyset cursor: the last order's (created_at, id), newest first. */
const encodeCursor = (o: OrderRecord): string =>
  Buffer.from(JSON.stringify([o.createdAt.toISOString(), o.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const createdAt = new Date(at);
    if (typeof id === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // fall through
  }
  throw BadUserInputError.fromProblems([{ field: 'after', message: 'is not a cursor from us' }]);
}

/**
 * Reads orders, deciding who may see what here rather than in resolvers: an order is visible to
 * its customer and to admins; anyone else gets null (an order id does not reveal that it exists).
 */
export class OrderQueries {
  constructor(private readonly em: EntityManager) {}

  /** For the request's loaders: one query for any number of ids, no access check. */
  async byIds(ids: readonly string[]): Promise<Map<string, OrderRecord>> {
    const orders = await this.em.fork().find(OrderEntity, { id: { $in: [...ids] } });
    return new Map(orders.map((o) => [o.id, o]));
  }

  /** The order if the caller may see it, else null. */
  visible(identity: Identity, order: OrderRecord | undefined): OrderRecord | null {
    return order !== undefined && isSelfOrAdmin(identity, order.userId) ? order : null;
  }

  /** An order reached by reference (`_entities`): FORBIDDEN rather than null for someone else's. */
  readable(identity: Identity, order: OrderRecord): OrderRecord {
    assertSelfOrAdmin(identity, order.userId, 'this order');
    return order;
  }

  myOrders(identity: Identity, page: PageRequest): Promise<OrderPage> {
    if (identity.userId === undefined) throw new UnauthenticatedError('sign in to see your orders');
    return this.page({ userId: identity.userId }, page);
  }

  /** `User.orders`: the user itself or an admin; the newest `first`. */
  async userOrders(identity: Identity, userId: string, first: number): Promise<OrderRecord[]> {
    assertSelfOrAdmin(identity, userId, 'these orders');
    return (await this.page({ userId }, { first })).orders;
  }

  /** Admins only: orders in a status, or (with `needsAttention`) those a parked saga flagged. */
  ordersByStatus(
    identity: Identity,
    filter: { status?: OrderStatus | null; needsAttention?: boolean | null },
    page: PageRequest,
  ): Promise<OrderPage> {
    if (!hasRole(identity, 'admin')) throw new ForbiddenError('admins only');
    const where: FilterQuery<OrderRecord> = {
      ...(filter.status != null ? { status: filter.status } : {}),
      ...(filter.needsAttention === true ? { needsAttention: { $ne: null } } : {}),
      ...(filter.needsAttention === false ? { needsAttention: null } : {}),
    };
    return this.page(where, page);
  }

  private async page(where: FilterQuery<OrderRecord>, page: PageRequest): Promise<OrderPage> {
    const first = page.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
      throw BadUserInputError.fromProblems([
        { field: 'first', message: `must be a whole number from 1 to ${MAX_PAGE}` },
      ]);
    const after = page.after == null ? undefined : decodeCursor(page.after);
    const keyset: FilterQuery<OrderRecord> =
      after === undefined
        ? {}
        : {
            $or: [
              { createdAt: { $lt: after.createdAt } },
              { createdAt: after.createdAt, id: { $gt: after.id } },
            ],
          };
    const rows = await this.em
      .fork()
      .find(
        OrderEntity,
        { $and: [where, keyset] },
        { orderBy: { createdAt: 'desc', id: 'asc' }, limit: first + 1 },
      );
    const orders = rows.slice(0, first);
    const last = orders.at(-1);
    return {
      orders,
      endCursor: last === undefined ? null : encodeCursor(last),
      hasNextPage: rows.length > first,
    };
  }
}
