import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import type { CartRecord } from '../persistence/cart.entity.js';
import { ProductRef } from './product-ref.type.js';

@ObjectType('CartItem')
export class CartItemType {
  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => Int)
  quantity!: number;
}

@Directive('@key(fields: "id")')
@ObjectType('Cart', { description: 'A user’s cart; only its owner (or an admin) can read it.' })
export class CartType {
  @Field(() => ID, {
    description:
      'Stable per user and never shared: an empty cart already has the id it keeps once items are added.',
  })
  id!: string;

  /** Not exposed: used for the ownership check. */
  userId!: string;

  @Field(() => [CartItemType])
  items!: CartItemType[];

  @Field(() => Int)
  itemCount!: number;

  static from(record: CartRecord): CartType {
    return Object.assign(new CartType(), {
      id: record.id,
      userId: record.userId,
      items: record.lines.map((l) =>
        Object.assign(new CartItemType(), {
          product: Object.assign(new ProductRef(), { id: l.productId }),
          quantity: l.quantity,
        }),
      ),
      itemCount: record.lines.reduce((n, l) => n + l.quantity, 0),
    });
  }
}
