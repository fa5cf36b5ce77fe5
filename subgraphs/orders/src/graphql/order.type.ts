import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { OrderStatus } from '../domain/order.js';
import type { PaymentStatus } from '../domain/payment.js';
import type { OrderRecord, PaymentRecord } from '../persistence/order.entity.js';
import type { OrderPage } from '../service/order-queries.service.js';
import { ProductRef } from './product-ref.type.js';

export enum OrderStatusEnum {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  SHIPPED = 'SHIPPED',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
  CANCELLING = 'CANCELLING',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatusEnum, {
  name: 'OrderStatus',
  description:
    'PENDING → CONFIRMED → SHIPPED → DELIVERED; PENDING → FAILED; CONFIRMED → CANCELLING → CANCELLED.',
  valuesConfig: {
    PENDING: { description: 'Placed; stock, payment and delivery are being arranged.' },
    CONFIRMED: { description: 'Paid, stock committed and a delivery partner assigned.' },
    SHIPPED: { description: 'Picked up by the delivery partner.' },
    DELIVERED: { description: 'Handed over.' },
    FAILED: { description: 'Could not be placed (see failureReason); nothing is left charged.' },
    CANCELLING: { description: 'Cancellation asked; stock, payment and shipment being undone.' },
    CANCELLED: { description: 'Cancelled and refunded.' },
  },
});

export enum PaymentStatusEnum {
  PENDING = 'PENDING',
  CAPTURED = 'CAPTURED',
  FAILED = 'FAILED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(PaymentStatusEnum, { name: 'PaymentStatus' });

@ObjectType('OrderLine')
export class OrderLineType {
  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => String, { nullable: true, description: 'The product’s title when ordered.' })
  title!: string | null;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { description: 'Catalog’s price when ordered, in cents.' })
  unitPriceCents!: number;
}

@ObjectType('OrderStatusChange')
export class OrderStatusChangeType {
  @Field(() => OrderStatusEnum, { nullable: true })
  from!: OrderStatus | null;

  @Field(() => OrderStatusEnum)
  to!: OrderStatus;

  @Field()
  at!: Date;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType('Payment')
export class PaymentType {
  @Field(() => PaymentStatusEnum)
  status!: PaymentStatus;

  @Field(() => Int)
  amountCents!: number;

  @Field(() => Int)
  capturedCents!: number;

  @Field(() => Int)
  refundedCents!: number;

  @Field({ description: 'The card’s brand, e.g. visa.' })
  cardBrand!: string;

  @Field({ description: 'The last four digits of the card.' })
  cardLast4!: string;

  @Field(() => String, { nullable: true, description: 'Why the provider refused, if it did.' })
  failureReason!: string | null;

  static from(p: PaymentRecord): PaymentType {
    return Object.assign(new PaymentType(), {
      status: p.status,
      amountCents: p.amountCents,
      capturedCents: p.capturedCents,
      refundedCents: p.refundedCents,
      cardBrand: p.cardBrand,
      cardLast4: p.cardLast4,
      failureReason: p.failureReason,
    });
  }
}

@ObjectType('ShippingAddress')
export class ShippingAddressType {
  @Field()
  name!: string;
  @Field()
  line1!: string;
  @Field(() => String, { nullable: true })
  line2!: string | null;
  @Field()
  city!: string;
  @Field(() => String, { nullable: true })
  region!: string | null;
  @Field()
  postalCode!: string;
  @Field()
  country!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Order', { description: 'Only its customer (or an admin) can read an order.' })
export class OrderType {
  @Field(() => ID)
  id!: string;

  /** Not exposed: used for the ownership check. */
  userId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The reference printed on emails; null for orders made before placement.',
  })
  orderNumber!: string | null;

  @Field(() => OrderStatusEnum)
  status!: OrderStatus;

  @Field(() => String, { nullable: true, description: 'Why the order FAILED, in plain words.' })
  failureReason!: string | null;

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Field(() => String, {
    nullable: true,
    description: 'Admins: why a saga of this order was parked for a person to look at.',
  })
  needsAttention!: string | null;

  @Field({ description: 'ISO 4217 code of every amount of the order.' })
  currency!: string;

  @Field(() => Int)
  subtotalCents!: number;

  @Field(() => Int, {
    description:
      'What the coupon takes off the subtotal; 0 without one, and until the coupon is redeemed while the order is PENDING.',
  })
  discountCents!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The coupon code given at checkout (upper case), or null.',
  })
  couponCode!: string | null;

  @Field(() => Int, {
    description:
      'Store credit applied: what was asked for, never more than what is left to pay. 0 without any.',
  })
  creditCents!: number;

  @Field(() => Int)
  shippingCents!: number;

  @Field(() => Int, {
    description:
      'What is charged: subtotal − discount + shipping − credit, never below 0 (0: nothing charged). Final once the order leaves PENDING.',
  })
  totalCents!: number;

  @Field(() => [OrderLineType])
  lines!: OrderLineType[];

  @Field(() => ShippingAddressType, { nullable: true })
  shippingAddress!: ShippingAddressType | null;

  @Field()
  createdAt!: Date;

  static from(record: OrderRecord): OrderType {
    const a = record.shippingAddress;
    return Object.assign(new OrderType(), {
      id: record.id,
      userId: record.userId,
      orderNumber: record.orderNumber ?? null,
      status: record.status,
      failureReason: record.failureReason ?? null,
      needsAttention: record.needsAttention ?? null,
      currency: record.currency,
      subtotalCents: record.subtotalCents,
      discountCents: record.discountCents,
      couponCode: record.couponCode ?? null,
      creditCents: record.creditCents,
      shippingCents: record.shippingCents,
      totalCents: record.totalCents,
      createdAt: record.createdAt,
      shippingAddress:
        a == null
          ? null
          : Object.assign(new ShippingAddressType(), {
              ...a,
              line2: a.line2 ?? null,
              region: a.region ?? null,
            }),
      lines: record.lines.map((l) =>
        Object.assign(new OrderLineType(), {
          product: Object.assign(new ProductRef(), { id: l.productId }),
          title: l.title ?? null,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
        }),
      ),
    });
  }
}

@ObjectType('OrderPageInfo')
export class OrderPageInfoType {
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

@ObjectType('OrderPage', { description: 'Orders newest first, a page at a time.' })
export class OrderPageType {
  @Field(() => [OrderType])
  nodes!: OrderType[];

  @Field(() => OrderPageInfoType)
  pageInfo!: OrderPageInfoType;

  static from(page: OrderPage): OrderPageType {
    return Object.assign(new OrderPageType(), {
      nodes: page.orders.map((o) => OrderType.from(o)),
      pageInfo: Object.assign(new OrderPageInfoType(), {
        endCursor: page.endCursor,
        hasNextPage: page.hasNextPage,
      }),
    });
  }
}

@InputType('ShippingAddressInput')
export class ShippingAddressInput {
  @Field({ description: 'Recipient’s name at the door.' })
  name!: string;
  @Field()
  line1!: string;
  @Field(() => String, { nullable: true })
  line2?: string | null;
  @Field()
  city!: string;
  @Field(() => String, { nullable: true, description: 'State, province or county.' })
  region?: string | null;
  @Field()
  postalCode!: string;
  @Field({ description: 'ISO 3166-1 alpha-2, e.g. US.' })
  country!: string;
}

@InputType('PlaceOrderInput')
export class PlaceOrderInput {
  @Field(() => ShippingAddressInput)
  shippingAddress!: ShippingAddressInput;

  @Field({
    description:
      'A card number. Only the provider’s token, the brand and the last four digits are kept. Test cards: 4242424242424242 succeeds, 4000000000000002 is declined, 4000000000009995 has insufficient funds, 4000000000000259 times out, 4000000000000770 fails once then succeeds.',
  })
  paymentMethod!: string;

  @Field({
    description:
      'Your key for this checkout (8 to 200 printable characters, e.g. a UUID): sending it again with the same input (coupon and credit included) returns the same order; with another input, CONFLICT.',
  })
  idempotencyKey!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'One of your coupons (see myCoupons). It is redeemed while the order is placed; a coupon that cannot be used (unknown, used, expired, below its minimum order) fails the order with the reason.',
  })
  couponCode?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Store credit to spend on this order, in cents, from 0 to 10000000; at most what the order costs after the coupon is used. Not enough credit fails the order with the reason.',
  })
  creditCents?: number | null;
}
