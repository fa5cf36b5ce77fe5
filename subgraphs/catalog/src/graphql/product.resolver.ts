import { BadUserInputError } from '@shop/platform';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { CatalogService } from '../service/catalog.service.js';
import type { CatalogContext } from './context.js';
import { ProductInput, ProductType } from './product.type.js';

const MAX_PRODUCT_IDS = 100;

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

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => ProductType)
  async upsertProduct(@Arg('input', () => ProductInput) input: ProductInput): Promise<ProductType> {
    return ProductType.from(await this.catalog.upsert({ ...input }));
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
