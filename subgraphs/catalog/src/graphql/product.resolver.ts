import { BadUserInputError } from '@shop/platform';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { CatalogService } from '../service/catalog.service.js';
import type { CatalogContext } from './context.js';
import {
  attributesOf,
  CreateProductInput,
  ProductInput,
  ProductType,
  UpdateProductInput,
} from './product.type.js';

const MAX_PRODUCT_IDS = 100;
const ADMIN = '@requiresScopes(scopes: [["admin"]])';

/** Drops the keys a GraphQL input left out (undefined), keeping explicit nulls. */
const given = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

@Resolver(() => ProductType)
export class ProductResolver {
  constructor(private readonly catalog: CatalogService) {}

  @Query(() => ProductType, { nullable: true })
  async product(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CatalogContext,
  ): Promise<ProductType | null> {
    const p = await ctx.products.load(id);
    return p === undefined ? null : ProductType.from(p);
  }

  @Query(() => [ProductType], {
    nullable: 'items',
    description:
      'In the order asked; null for unknown ids. At most 100 ids; more is BAD_USER_INPUT.',
  })
  async products(
    @Arg('ids', () => [ID]) ids: string[],
    @Ctx() ctx: CatalogContext,
  ): Promise<(ProductType | null)[]> {
    if (ids.length > MAX_PRODUCT_IDS)
      throw new BadUserInputError(`ids: at most ${MAX_PRODUCT_IDS} per query`, { field: 'ids' });
    const found = await ctx.products.loadMany(ids);
    return found.map((p) => (p === undefined ? null : ProductType.from(p)));
  }

  @Directive(ADMIN)
  @Mutation(() => ProductType, { description: 'CONFLICT when the id or the sku is taken.' })
  async createProduct(
    @Arg('input', () => CreateProductInput) input: CreateProductInput,
  ): Promise<ProductType> {
    const { attributes, categoryPath, images, brand, rating, ...rest } = input;
    return ProductType.from(
      await this.catalog.create({
        ...rest,
        ...given({ brand, rating }),
        ...(categoryPath ? { categoryPath } : {}),
        ...(images ? { images } : {}),
        ...(attributes ? { attributes: attributesOf(attributes) } : {}),
      }),
    );
  }

  @Directive(ADMIN)
  @Mutation(() => ProductType, { description: 'NOT_FOUND for an unknown id.' })
  async updateProduct(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateProductInput) input: UpdateProductInput,
  ): Promise<ProductType> {
    const { attributes, ...rest } = input;
    return ProductType.from(
      await this.catalog.update(id, {
        ...given(rest),
        ...(attributes ? { attributes: attributesOf(attributes) } : {}),
      }),
    );
  }

  @Directive(ADMIN)
  @Mutation(() => ProductType, {
    description: 'Takes the product out of search and listings; idempotent.',
  })
  async archiveProduct(@Arg('id', () => ID) id: string): Promise<ProductType> {
    return ProductType.from(await this.catalog.archive(id));
  }

  @Directive(ADMIN)
  @Mutation(() => ProductType, { description: 'Creates the product, or replaces these fields.' })
  async upsertProduct(@Arg('input', () => ProductInput) input: ProductInput): Promise<ProductType> {
    return ProductType.from(await this.catalog.upsert(input));
  }
}

export const productReferenceResolvers = {
  Product: {
    async __resolveReference(
      ref: { id: string },
      ctx: CatalogContext,
    ): Promise<ProductType | null> {
      const p = await ctx.products.load(ref.id);
      return p === undefined ? null : ProductType.from(p);
    },
  },
};
