import { UnauthenticatedError } from '@shop/platform';
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { CreditService } from '../service/credit.service.js';
import type { UsersContext } from './context.js';
import { CreditAccountType, CreditAdjustmentInput, CreditEntryType } from './credit.type.js';

@Resolver(() => CreditAccountType)
export class CreditResolver {
  constructor(private readonly credit: CreditService) {}

  @Directive('@authenticated')
  @Query(() => CreditAccountType, { description: 'The signed-in user’s store credit.' })
  async myCredit(@Ctx() ctx: UsersContext): Promise<CreditAccountType> {
    const userId = ctx.identity.userId;
    if (userId === undefined) throw new UnauthenticatedError('sign in first');
    return CreditAccountType.from(userId, await this.credit.balance(userId));
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Query(() => CreditAccountType, { description: 'A user’s store credit (admins).' })
  async userCredit(@Arg('userId', () => ID) userId: string): Promise<CreditAccountType> {
    return CreditAccountType.from(userId, await this.credit.balance(userId));
  }

  @FieldResolver(() => [CreditEntryType], { description: 'Newest first.' })
  async entries(
    @Root() account: CreditAccountType,
    @Arg('first', () => Int, { defaultValue: 20, description: '1 to 100.' }) first: number,
    @Arg('beforeSeq', () => Int, { nullable: true, description: 'Entries older than this seq.' })
    beforeSeq?: number | null,
  ): Promise<CreditEntryType[]> {
    const rows = await this.credit.entries(account.userId, first, beforeSeq ?? undefined);
    return rows.map((r) => CreditEntryType.from(r));
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => CreditEntryType, { description: 'Adds store credit to a user’s account.' })
  async grantCredit(
    @Arg('input', () => CreditAdjustmentInput) input: CreditAdjustmentInput,
  ): Promise<CreditEntryType> {
    return CreditEntryType.from(await this.credit.adjust({ ...input, kind: 'GRANT' }));
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => CreditEntryType, {
    description: 'Takes store credit back; more than the balance is BAD_USER_INPUT.',
  })
  async revokeCredit(
    @Arg('input', () => CreditAdjustmentInput) input: CreditAdjustmentInput,
  ): Promise<CreditEntryType> {
    return CreditEntryType.from(await this.credit.adjust({ ...input, kind: 'REVOKE' }));
  }
}
