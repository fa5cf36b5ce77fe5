import { BadUserInputError, UnauthenticatedError } from '@shop/platform';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { CouponStatus } from '../domain/coupon.js';
import type { CouponService } from '../service/coupon.service.js';
import type { UsersContext } from './context.js';
import { CouponStatusType, CouponType, IssueCouponInput } from './coupon.type.js';

@Resolver(() => CouponType)
export class CouponResolver {
  constructor(private readonly coupons: CouponService) {}

  @Directive('@authenticated')
  @Query(() => [CouponType], { description: 'The signed-in user’s coupons, oldest first.' })
  async myCoupons(
    @Ctx() ctx: UsersContext,
    @Arg('status', () => CouponStatusType, { nullable: true }) status?: CouponStatus | null,
  ): Promise<CouponType[]> {
    const userId = ctx.identity.userId;
    if (userId === undefined) throw new UnauthenticatedError('sign in first');
    return this.list(userId, status);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Query(() => [CouponType], { description: 'A user’s coupons (admins).' })
  userCoupons(
    @Arg('userId', () => ID) userId: string,
    @Arg('status', () => CouponStatusType, { nullable: true }) status?: CouponStatus | null,
  ): Promise<CouponType[]> {
    return this.list(userId, status);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => CouponType, { description: 'Issues a single-use coupon to a user.' })
  async issueCoupon(
    @Arg('input', () => IssueCouponInput) input: IssueCouponInput,
  ): Promise<CouponType> {
    const percent = input.percentOff ?? undefined;
    const amount = input.amountOffCents ?? undefined;
    if ((percent === undefined) === (amount === undefined))
      throw new BadUserInputError('give exactly one of percentOff and amountOffCents', {
        field: 'percentOff',
      });
    const coupon = await this.coupons.issue({
      userId: input.userId,
      discount:
        percent !== undefined
          ? { kind: 'PERCENT', percentOff: percent }
          : { kind: 'AMOUNT', amountOffCents: amount!, currency: this.coupons.currency },
      minOrderCents: input.minOrderCents,
      expiresAt: input.expiresAt,
    });
    return CouponType.from(coupon, this.coupons.currency);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => CouponType, {
    description: 'Revokes an unused coupon; a used or revoked one is BAD_USER_INPUT.',
  })
  async revokeCoupon(
    @Arg('code') code: string,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<CouponType> {
    return CouponType.from(
      await this.coupons.revoke(code, reason ?? 'revoked by an admin'),
      this.coupons.currency,
    );
  }

  private async list(userId: string, status?: CouponStatus | null): Promise<CouponType[]> {
    const rows = await this.coupons.ofUser(userId, status == null ? undefined : [status]);
    return rows.map((c) => CouponType.from(c, this.coupons.currency));
  }
}
