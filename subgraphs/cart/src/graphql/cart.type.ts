import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { DropReason, LineProblem } from '../domain/cart.js';
import type { CartView, CheckoutCartView, MergeResult } from '../service/cart.service.js';
import { ProductRef } from './product-ref.type.js';

export enum CartItemProblem {
  UNAVAILABLE = 'UNAVAILABLE',
  OUT_OF_STOCK = 'OUT_OF_STOCK',
  INSUFFICIENT_STOCK = 'INSUFFICIENT_STOCK',
}
registerEnumType(CartItemProblem, {
  name: 'CartItemProblem',
  description: 'Why a line cannot be bought as it stands; the line stays in the cart.',
  valuesConfig: {
    UNAVAILABLE: { description: 'Catalog no longer offers the product (archived or removed).' },
    OUT_OF_STOCK: { description: 'None can be ordered now.' },
    INSUFFICIENT_STOCK: { description: 'Fewer can be ordered now than the line asks for.' },
  },
});

export enum MergeDropReason {
  UNAVAILABLE = 'UNAVAILABLE',
  OUT_OF_STOCK = 'OUT_OF_STOCK',
  CART_FULL = 'CART_FULL',
}
registerEnumType(MergeDropReason, { name: 'MergeDropReason' });

@ObjectType('CartItem')
export class CartItemType {
  @Field(() => ProductRef)
  product!: ProductRef;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Catalog’s price now, in cents; null when catalog no longer offers the product.',
  })
  unitPriceCents!: number | null;

  @Field(() => Int, { description: 'Price × quantity; 0 for a line with a problem.' })
  lineTotalCents!: number;

  @Field(() => Int, { description: 'Units catalog can supply now.' })
  availableQuantity!: number;

  @Field(() => CartItemProblem, { nullable: true })
  problem!: LineProblem | null;
}

@Directive('@key(fields: "id")')
@ObjectType('Cart', {
  description:
    'A user’s or a guest’s cart, priced from catalog when read; only its owner (or an admin) can read it.',
})
export class CartType {
  @Field(() => ID, {
    description:
      'Stable and never shared: an empty cart already has the id it keeps once items are added.',
  })
  id!: string;

  @Field(() => [CartItemType])
  items!: CartItemType[];

  @Field(() => Int)
  itemCount!: number;

  @Field(() => Int, { description: 'Sum of the lines without a problem, in cents.' })
  subtotalCents!: number;

  @Field({ description: 'Not empty and no line has a problem.' })
  readyForCheckout!: boolean;

  static from(view: CartView): CartType {
    return Object.assign(new CartType(), {
      id: view.id,
      items: view.lines.map((l) =>
        Object.assign(new CartItemType(), {
          product: Object.assign(new ProductRef(), { id: l.productId }),
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
          lineTotalCents: l.lineTotalCents,
          availableQuantity: l.availableQuantity,
          problem: l.problem,
        }),
      ),
      itemCount: view.itemCount,
      subtotalCents: view.subtotalCents,
      readyForCheckout: view.readyForCheckout,
    });
  }
}

@ObjectType('MergedCartLine')
export class MergedLineType {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: 'Quantity in the guest cart.' })
  requested!: number;

  @Field(() => Int, {
    description:
      'Quantity added; less than requested when capped by stock or the per-product limit.',
  })
  quantity!: number;
}

@ObjectType('DroppedCartLine')
export class DroppedLineType {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => MergeDropReason)
  reason!: DropReason;
}

@ObjectType('MergeGuestCartResult')
export class MergeResultType {
  @Field(() => CartType)
  cart!: CartType;

  @Field(() => [MergedLineType])
  merged!: MergedLineType[];

  @Field(() => [DroppedLineType])
  dropped!: DroppedLineType[];

  static from(result: MergeResult): MergeResultType {
    return Object.assign(new MergeResultType(), {
      cart: CartType.from(result.cart),
      merged: result.merged.map((m) => Object.assign(new MergedLineType(), m)),
      dropped: result.dropped.map((d) => Object.assign(new DroppedLineType(), d)),
    });
  }
}

@ObjectType('CheckoutCartLine', { description: 'A cart line priced from catalog now.' })
export class CheckoutCartLineType {
  @Field(() => ID)
  productId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Catalog’s title; null when catalog does not know the product.',
  })
  title!: string | null;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { nullable: true })
  unitPriceCents!: number | null;

  @Field(() => Int)
  availableQuantity!: number;

  @Field(() => CartItemProblem, { nullable: true })
  problem!: LineProblem | null;
}

@ObjectType('CheckoutCart', {
  description: 'A user’s cart as the orders service reads it at placement (service-only).',
})
export class CheckoutCartType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: 'Pass it back to clearCheckedOutCart.' })
  version!: number;

  @Field(() => [CheckoutCartLineType])
  lines!: CheckoutCartLineType[];

  static from(view: CheckoutCartView): CheckoutCartType {
    return Object.assign(new CheckoutCartType(), {
      id: view.id,
      version: view.version,
      lines: view.lines.map((l) =>
        Object.assign(new CheckoutCartLineType(), {
          productId: l.productId,
          title: l.title,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
          availableQuantity: l.availableQuantity,
          problem: l.problem,
        }),
      ),
    });
  }
}
