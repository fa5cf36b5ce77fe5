import { orderTotalCents, type OrderLine, type OrderStatus } from './domain/order.js';
import { OrderEntity } from './persistence/order.entity.js';
import { createOrdersOrm } from './persistence/orm.js';

export interface OrderSeed {
  readonly userId: string;
  readonly lines: readonly OrderLine[];
  /** @default 'CONFIRMED' */
  readonly status?: OrderStatus;
  readonly id?: string;
}

/** Test and demo data: writes orders straight into the orders database (migrating it first). */
export async function seedOrders(
  mysqlUrl: string,
  orders: readonly OrderSeed[],
): Promise<string[]> {
  const orm = await createOrdersOrm(mysqlUrl);
  try {
    const em = orm.em.fork();
    const ids = orders.map((o, i) => {
      const id = o.id ?? crypto.randomUUID();
      em.create(OrderEntity, {
        id,
        userId: o.userId,
        status: o.status ?? 'CONFIRMED',
        lines: o.lines.map((l) => ({ ...l })),
        subtotalCents: orderTotalCents(o.lines),
        totalCents: orderTotalCents(o.lines),
        // Distinct timestamps keep "newest first" deterministic.
        createdAt: new Date(Date.now() - (orders.length - i) * 1000),
        updatedAt: new Date(),
      });
      return id;
    });
    await em.flush();
    return ids;
  } finally {
    await orm.close(true);
  }
}
