import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { Product } from '../domain/product.js';

@Directive('@key(fields: "id")')
@ObjectType('Product')
export class ProductType {
  @Field(() => ID)
  id!: string;

  @Field()
  title!: string;

  @Field()
  description!: string;

  @Field(() => Int, {
    description: 'Price in cents; the server’s price is the only one that counts.',
  })
  priceCents!: number;

  static from(p: Product): ProductType {
    return Object.assign(new ProductType(), p);
  }
}

@InputType('ProductInput')
export class ProductInput {
  @Field(() => ID)
  id!: string;

  @Field()
  title!: string;

  @Field({ defaultValue: '' })
  description!: string;

  @Field(() => Int)
  priceCents!: number;
}
