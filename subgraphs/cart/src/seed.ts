import { CartEntity } from './persistence/cart.entity.js';
import { createCartOrm } from './persistence/orm.js';
import { cartIdFor } from './service/cart-owner.js';

/** Test and demo data: writes carts straight into the cart database (migrating it first). */
export async function seedCarts(
  mysqlUrl: string,
  carts: readonly { userId: string; items: readonly { productId: string; quantity: number }[] }[],
): Promise<string[]> {
  const orm = await createCartOrm(mysqlUrl);
  try {
    const em = orm.em.fork();
    const ids = carts.map((c) => {
      const id = cartIdFor(c.userId);
      em.create(CartEntity, {
        id,
        userId: c.userId,
        lines: c.items.map((i) => ({ ...i })),
        version: 1,
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
