import {
  Directive,
  Field,
  Float,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { PRODUCT_STATUSES, type Product, type ProductStatus } from '../domain/product.js';

export const ProductStatusEnum = Object.fromEntries(PRODUCT_STATUSES.map((s) => [s, s])) as {
  [K in ProductStatus]: K;
};
registerEnumType(ProductStatusEnum, {
  name: 'ProductStatus',
  description: 'ARCHIVED products are kept for orders and references but not listed or found.',
});

@ObjectType('ProductAttribute')
export class ProductAttributeType {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Product')
export class ProductType {
  @Field(() => ID)
  id!: string;

  @Field()
  sku!: string;

  @Field()
  title!: string;

  @Field()
  description!: string;

  @Field(() => String, { nullable: true })
  brand!: string | null;

  @Field(() => [String], { description: 'Category names, root first.' })
  categoryPath!: string[];

  @Field(() => [ProductAttributeType])
  attributes!: ProductAttributeType[];

  @Field(() => Int, {
    description: 'Price in cents; the server’s price is the only one that counts.',
  })
  priceCents!: number;

  @Field({ description: 'ISO 4217 currency of priceCents.' })
  currency!: string;

  @Field(() => [String])
  images!: string[];

  @Field(() => Float, { nullable: true, description: '0-5; null when unrated.' })
  rating!: number | null;

  @Field(() => ProductStatusEnum)
  status!: ProductStatus;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(p: Product): ProductType {
    return Object.assign(new ProductType(), {
      id: p.id,
      sku: p.sku,
      title: p.title,
      description: p.description,
      brand: p.brand,
      categoryPath: [...p.categoryPath],
      attributes: Object.entries(p.attributes).map(([name, value]) =>
        Object.assign(new ProductAttributeType(), { name, value }),
      ),
      priceCents: p.priceCents,
      currency: p.currency,
      images: [...p.images],
      rating: p.rating,
      status: p.status,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
  }
}

@InputType('ProductAttributeInput')
export class ProductAttributeInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType('ProductInput', {
  description:
    'Create-or-replace by id (sku defaults to the id). Prefer createProduct/updateProduct.',
})
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

@InputType('CreateProductInput')
export class CreateProductInput {
  @Field(() => ID)
  id!: string;

  @Field()
  sku!: string;

  @Field()
  title!: string;

  @Field({ defaultValue: '' })
  description!: string;

  @Field(() => String, { nullable: true })
  brand?: string | null;

  @Field(() => [String], { nullable: true })
  categoryPath?: string[] | null;

  @Field(() => [ProductAttributeInput], { nullable: true })
  attributes?: ProductAttributeInput[] | null;

  @Field(() => Int)
  priceCents!: number;

  @Field({ defaultValue: 'USD' })
  currency!: string;

  @Field(() => [String], { nullable: true })
  images?: string[] | null;

  @Field(() => Float, { nullable: true })
  rating?: number | null;
}

@InputType('UpdateProductInput', { description: 'Only the fields given change.' })
export class UpdateProductInput {
  @Field({ nullable: true })
  sku?: string;

  @Field({ nullable: true })
  title?: string;

  @Field({ nullable: true })
  description?: string;

  @Field(() => String, { nullable: true, description: 'null clears the brand.' })
  brand?: string | null;

  @Field(() => [String], { nullable: true })
  categoryPath?: string[];

  @Field(() => [ProductAttributeInput], {
    nullable: true,
    description: 'Replaces all attributes.',
  })
  attributes?: ProductAttributeInput[];

  @Field(() => Int, { nullable: true })
  priceCents?: number;

  @Field({ nullable: true })
  currency?: string;

  @Field(() => [String], { nullable: true })
  images?: string[];

  @Field(() => Float, { nullable: true })
  rating?: number | null;
}

/** Attribute list to record, reporting a repeated name as a field problem upstream. */
export function attributesOf(
  list: readonly ProductAttributeInput[] | null | undefined,
): Record<string, string> | undefined {
  if (list === null || list === undefined) return undefined;
  return Object.fromEntries(list.map((a) => [a.name, a.value]));
}
