import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COUPON_STATUSES, describeCoupon, type CouponStatus } from '../domain/coupon.js';
import type { CouponRow } from '../persistence/coupon.repository.js';
import { formatMinorUnits } from '../service/registration-bonus.service.js';

export const CouponStatusType = Object.fromEntries(COUPON_STATUSES.map((s) => [s, s])) as {
  [S in CouponStatus]: S;
};
registerEnumType(CouponStatusType, { name: 'CouponStatus' });

export enum CouponDiscountKindType {
  PERCENT = 'PERCENT',
  AMOUNT = 'AMOUNT',
}
registerEnumType(CouponDiscountKindType, { name: 'CouponDiscountKind' });

@ObjectType('Coupon', { description: 'A single-use code owned by one user.' })
export class CouponType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'What the customer types at checkout (XXXX-XXXX-XXXX-XXXX).' })
  code!: string;

  @Field(() => CouponDiscountKindType)
  discountKind!: CouponDiscountKindType;

  @Field(() => Int, { nullable: true, description: 'For PERCENT coupons.' })
  percentOff!: number | null;

  @Field(() => Int, { nullable: true, description: 'For AMOUNT coupons, in minor units.' })
  amountOffCents!: number | null;

  @Field(() => String, { nullable: true, description: 'For AMOUNT coupons (ISO 4217).' })
  currency!: string | null;

  @Field(() => Int, { description: 'Smallest order subtotal it applies to, in minor units.' })
  minOrderCents!: number;

  @Field()
  expiresAt!: Date;

  @Field(() => CouponStatusType)
  status!: CouponStatus;

  @Field({ description: 'What it gives, as a customer reads it.' })
  description!: string;

  @Field()
  createdAt!: Date;

  static from(c: CouponRow, ledgerCurrency: string): CouponType {
    const currency = c.discount.kind === 'AMOUNT' ? c.discount.currency : ledgerCurrency;
    return Object.assign(new CouponType(), {
      id: c.id,
      code: c.code,
      discountKind: c.discount.kind as CouponDiscountKindType,
      percentOff: c.discount.kind === 'PERCENT' ? c.discount.percentOff : null,
      amountOffCents: c.discount.kind === 'AMOUNT' ? c.discount.amountOffCents : null,
      currency: c.discount.kind === 'AMOUNT' ? c.discount.currency : null,
      minOrderCents: c.minOrderCents,
      expiresAt: c.expiresAt,
      status: c.status,
      description: describeCoupon(c.discount, c.minOrderCents, (cents) =>
        formatMinorUnits(cents, currency),
      ),
      createdAt: c.createdAt,
    });
  }
}

@InputType('IssueCouponInput', {
  description: 'Exactly one of percentOff and amountOffCents.',
})
export class IssueCouponInput {
  @Field()
  userId!: string;

  @Field(() => Int, { nullable: true, description: '1 to 100.' })
  percentOff?: number | null;

  @Field(() => Int, { nullable: true, description: 'In minor units of the ledger’s currency.' })
  amountOffCents?: number | null;

  @Field(() => Int, { defaultValue: 0 })
  minOrderCents!: number;

  @Field({ description: 'In the future.' })
  expiresAt!: Date;
}
