import { Arg, Ctx, Directive, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { availableOf } from '../domain/stock.js';
import type { StockService } from '../service/stock.service.js';
import type { CatalogContext } from './context.js';
import { ProductType } from './product.type.js';
import { AdjustStockInput, StockLevelType } from './stock.type.js';

/** Stock on Product (batched: one query per request's products) and the admin's adjustment. */
@Resolver(() => ProductType)
export class StockResolver {
  constructor(private readonly stock: StockService) {}

  @FieldResolver(() => Int, {
    description: 'Units that can be ordered now (on hand minus reserved); 0 with no stock record.',
  })
  async availableQuantity(
    @Root() product: ProductType,
    @Ctx() ctx: CatalogContext,
  ): Promise<number> {
    const level = await ctx.stock.load(product.id);
    return level === undefined ? 0 : availableOf(level);
  }

  @FieldResolver(() => Boolean, { description: 'Whether at least one unit can be ordered now.' })
  async inStock(@Root() product: ProductType, @Ctx() ctx: CatalogContext): Promise<boolean> {
    const level = await ctx.stock.load(product.id);
    return level !== undefined && availableOf(level) > 0;
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => StockLevelType, {
    description:
      'Sets or shifts a product’s on-hand stock and/or its low-stock threshold. On hand can never go below what orders hold (BAD_USER_INPUT).',
  })
  async adjustStock(
    @Arg('input', () => AdjustStockInput) input: AdjustStockInput,
  ): Promise<StockLevelType> {
    return StockLevelType.from(await this.stock.adjust({ ...input }));
  }
}
