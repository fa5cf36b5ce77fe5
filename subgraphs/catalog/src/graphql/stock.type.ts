import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { availableOf, type SuppliedStockLevel } from '../domain/stock.js';

@ObjectType('StockLevel', { description: 'One product’s stock (admin view).' })
export class StockLevelType {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: 'Units on the shelf, including those reserved for orders.' })
  onHand!: number;

  @Field(() => Int, { description: 'Units held for orders not yet committed or released.' })
  reserved!: number;

  @Field(() => Int, { description: 'On hand minus reserved: what can still be sold.' })
  available!: number;

  @Field(() => Int, {
    description: 'Available stock below this publishes catalog.stock-low; 0 turns it off.',
  })
  lowStockThreshold!: number;

  @Field(() => String, { description: 'Who replenishes the product when its stock runs low.' })
  supplier!: string;

  static from(s: SuppliedStockLevel): StockLevelType {
    return Object.assign(new StockLevelType(), { ...s, available: availableOf(s) });
  }
}

@InputType('AdjustStockInput', {
  description:
    'Give setOnHand (a count) or addOnHand (received or written off), and/or a threshold, and/or a supplier.',
})
export class AdjustStockInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { nullable: true, description: 'The new on-hand figure (counted stock).' })
  setOnHand?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Added to on hand: positive for goods received, negative for write-offs.',
  })
  addOnHand?: number | null;

  @Field(() => Int, { nullable: true })
  lowStockThreshold?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The supplier that replenishes the product from now on: 1-64 letters, digits, . _ or -.',
  })
  supplier?: string | null;
}
