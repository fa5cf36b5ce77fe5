import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ReplenishmentFilter } from '../domain/replenishment.js';
import type { ReplenishmentAdmin } from '../service/replenishment-admin.service.js';
import type { CatalogContext } from './context.js';
import { ReplenishmentFilterEnum, ReplenishmentType } from './replenishment.type.js';

const ADMIN = '@requiresScopes(scopes: [["admin"]])';

/** Admins' replenishments. Thin: the service decides who may see and do what. */
@Resolver(() => ReplenishmentType)
export class ReplenishmentResolver {
  constructor(private readonly admin: ReplenishmentAdmin) {}

  @Directive(ADMIN)
  @Query(() => [ReplenishmentType], {
    description:
      'Replenishments, newest first: open ones, parked ones (NEEDS_ATTENTION) or all; of one product when `productId` is given.',
  })
  async replenishments(
    // type-graphql prints arguments last-declared first: this reads `(filter, productId, first)`.
    @Arg('first', () => Int, { defaultValue: 50, description: '1 to 500.' }) first: number,
    @Arg('productId', () => ID, { nullable: true }) productId: string | null,
    @Arg('filter', () => ReplenishmentFilterEnum, { defaultValue: 'OPEN' })
    filter: ReplenishmentFilter,
    @Ctx() ctx: CatalogContext,
  ): Promise<ReplenishmentType[]> {
    const found = await this.admin.list(ctx.identity, filter, first, productId ?? undefined);
    return found.map((r) => ReplenishmentType.from(r));
  }

  @Directive(ADMIN)
  @Mutation(() => ReplenishmentType, {
    description:
      'Asks for the parked saga of a replenishment to be run again from its parked step and clears its attention note. NOT_FOUND for an unknown id; CONFLICT when it is not parked.',
  })
  async retryReplenishment(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CatalogContext,
  ): Promise<ReplenishmentType> {
    return ReplenishmentType.from(await this.admin.retry(ctx.identity, id));
  }
}
