import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import type { OrderRecord } from '../persistence/order.entity.js';
import { ProductRef } from './product-ref.type.js';

@ObjectType('OrderLine')
export class OrderLineType {
  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int)
  unitPriceCents!: number;
}

@Directive('@key(fields: "id")')
@ObjectType('Order', { description: 'Only its customer (or an admin) can read an order.' })
export class OrderType {
  @Field(() => ID)
  id!: string;

  /** Not exposed: used for the ownership check. */
  userId!: string;

  @Field({ description: 'PENDING, CONFIRMED, CANCELLED, SHIPPED or DELIVERED.' })
  status!: string;

  @Field(() => Int)
  totalCents!: number;

  @Field(() => [OrderLineType])
  lines!: OrderLineType[];

  @Field()
  createdAt!: Date;

  static from(record: OrderRecord): OrderType {
    return Object.assign(new OrderType(), {
      id: record.id,
      userId: record.userId,
      status: record.status,
      totalCents: record.totalCents,
      createdAt: record.createdAt,
      lines: record.lines.map((l) =>
        Object.assign(new OrderLineType(), {
          product: Object.assign(new ProductRef(), { id: l.productId }),
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
        }),
      ),
    });
  }
}
