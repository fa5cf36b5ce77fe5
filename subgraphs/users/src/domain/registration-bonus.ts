import type { CouponDiscount } from './coupon.js';

/** The registration promotion as configured (users' BONUS_* settings). */
export interface RegistrationPromotion {
  readonly enabled: boolean;
  readonly currency: string;
  readonly creditCents: number;
  readonly couponCount: number;
  readonly couponDiscount: CouponDiscount;
  readonly couponMinOrderCents: number;
  readonly couponValidDays: number;
}

/** What a new account is promised, snapshotted into its `users.user-registered` event. */
export interface BonusOffer {
  readonly currency: string;
  readonly creditCents: number;
  readonly coupons: {
    readonly count: number;
    readonly discount: CouponDiscount;
    readonly minOrderCents: number;
    readonly validDays: number;
  };
}

/** The offer a self-registered account gets; undefined when the promotion is off or empty. */
export function bonusOfferOf(p: RegistrationPromotion): BonusOffer | undefined {
  if (!p.enabled || (p.creditCents === 0 && p.couponCount === 0)) return undefined;
  return {
    currency: p.currency,
    creditCents: p.creditCents,
    coupons: {
      count: p.couponCount,
      discount: p.couponDiscount,
      minOrderCents: p.couponMinOrderCents,
      validDays: p.couponValidDays,
    },
  };
}

/** The ledger keys of a registration bonus: one per account, whatever saga asks. */
export const bonusGrantKey = (userId: string): string => `bonus:${userId}:grant`;
export const bonusRevokeKey = (userId: string): string => `bonus:${userId}:revoke`;

/** The name a greeting uses: users keeps no display name, so the email's local part. */
export const greetingName = (email: string): string => email.split('@')[0] || email;
