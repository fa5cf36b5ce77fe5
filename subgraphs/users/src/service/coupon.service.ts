import type { EntityManager } from '@mikro-orm/core';
import { BadUserInputError, NotFoundError } from '@shop/platform';
import {
  couponProblems,
  judgeRedemption,
  type CouponDiscount,
  type CouponStatus,
} from '../domain/coupon.js';
import type { CouponRepository, CouponRow } from '../persistence/coupon.repository.js';
import { UserEntity } from '../persistence/user.entity.js';
import { normalizeCouponCode, type CouponCodes } from './coupon-codes.js';

export interface CouponSpec {
  readonly discount: CouponDiscount;
  readonly minOrderCents: number;
  readonly validDays: number;
}

export type Redemption =
  | { readonly outcome: 'redeemed'; readonly couponId: string; readonly discountCents: number }
  | { readonly outcome: 'refused'; readonly reason: string };

const DAY_MS = 86_400_000;

/** Coupons: issue, allocate, revoke, list, redeem (once) and give back. */
export class CouponService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: CouponRepository,
    private readonly codes: CouponCodes,
    /** The ledger's currency: amount coupons an admin issues are in it. */
    readonly currency: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async ofUser(userId: string, statuses?: readonly CouponStatus[]): Promise<CouponRow[]> {
    return this.repo.ofUser(this.em.fork(), userId, statuses === undefined ? {} : { statuses });
  }

  /** An admin's coupon for one user; BAD_USER_INPUT names every bad field. */
  async issue(input: {
    userId: string;
    discount: CouponDiscount;
    minOrderCents: number;
    expiresAt: Date;
  }): Promise<CouponRow> {
    const problems = couponProblems({ ...input, now: this.now() });
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    return this.em.fork().transactional(async (em) => {
      if ((await em.count(UserEntity, { id: input.userId })) === 0)
        throw new BadUserInputError('no account with this id', { field: 'userId' });
      const id = await this.repo.insert(em, {
        code: this.codes.next(),
        userId: input.userId,
        discount: input.discount,
        minOrderCents: input.minOrderCents,
        expiresAt: input.expiresAt,
        source: 'ADMIN',
      });
      return (await this.repo.byId(em, id))!;
    });
  }

  /** An admin revokes an unused coupon; a used or revoked one is BAD_USER_INPUT. */
  async revoke(code: string, reason: string): Promise<CouponRow> {
    return this.em.fork().transactional(async (em) => {
      const coupon = await this.repo.byCode(em, normalizeCouponCode(code));
      if (coupon === undefined) throw new NotFoundError('no coupon with this code');
      const changed = await this.repo.revoke(
        em,
        [coupon.id],
        reason || 'revoked by an admin',
        this.now(),
      );
      if (changed === 0)
        throw new BadUserInputError(`the coupon is ${coupon.status.toLowerCase()}, not active`, {
          field: 'code',
        });
      return (await this.repo.byId(em, coupon.id))!;
    });
  }

  /**
   * The welcome coupons of a user, generated once: a repeat (or a second saga for the account)
   * finds them. The caller holds the user's credit account lock, which serialises this per user.
   */
  async allocateWelcomeWithin(
    em: EntityManager,
    userId: string,
    count: number,
    spec: CouponSpec,
  ): Promise<
    { outcome: 'allocated'; coupons: CouponRow[] } | { outcome: 'refused'; reason: string }
  > {
    const existing = await this.repo.ofUser(em, userId, { source: 'WELCOME' });
    if (existing.length > 0) return { outcome: 'allocated', coupons: existing };
    // Every code is drawn before anything is written: a generator that fails refuses the step
    // with nothing to undo, and the saga compensates the credit.
    let codes: string[];
    try {
      codes = Array.from({ length: count }, () => this.codes.next());
    } catch (err) {
      return { outcome: 'refused', reason: `coupon generation failed: ${(err as Error).message}` };
    }
    const expiresAt = new Date(this.now().getTime() + spec.validDays * DAY_MS);
    for (const code of codes)
      await this.repo.insert(em, {
        code,
        userId,
        discount: spec.discount,
        minOrderCents: spec.minOrderCents,
        expiresAt,
        source: 'WELCOME',
      });
    return {
      outcome: 'allocated',
      coupons: await this.repo.ofUser(em, userId, { source: 'WELCOME' }),
    };
  }

  /** Every unused welcome coupon of the user → REVOKED; returns how many. */
  async revokeWelcomeWithin(em: EntityManager, userId: string, reason: string): Promise<number> {
    const mine = await this.repo.ofUser(em, userId, { source: 'WELCOME', statuses: ['ACTIVE'] });
    return this.repo.revoke(
      em,
      mine.map((c) => c.id),
      reason,
      this.now(),
    );
  }

  welcomeOf(em: EntityManager, userId: string): Promise<CouponRow[]> {
    return this.repo.ofUser(em, userId, { source: 'WELCOME', statuses: ['ACTIVE'] });
  }

  /**
   * Redeems the user's coupon for an order, once: the verdict is pure (domain/coupon.ts); the
   * single use is the repository's conditional UPDATE, so of 50 concurrent checkouts one wins and
   * the others are refused as "already used". A repeat for the same order answers the same.
   */
  async redeemWithin(
    em: EntityManager,
    req: { userId: string; orderId: string; code: string; subtotalCents: number; currency: string },
  ): Promise<Redemption> {
    const coupon = await this.repo.byCode(em, normalizeCouponCode(req.code));
    if (coupon === undefined) return { outcome: 'refused', reason: 'unknown coupon code' };
    const now = this.now();
    const verdict = judgeRedemption(coupon, { ...req, now });
    switch (verdict.verdict) {
      case 'refused':
        return { outcome: 'refused', reason: verdict.reason };
      case 'already-redeemed-by-order':
        return { outcome: 'redeemed', couponId: coupon.id, discountCents: verdict.discountCents };
      case 'redeem': {
        if (await this.repo.redeem(em, coupon.id, req.orderId, now))
          return { outcome: 'redeemed', couponId: coupon.id, discountCents: verdict.discountCents };
        // Lost the race (or it expired or was revoked in between): judge what won.
        const after = await this.repo.byId(em, coupon.id);
        const again = after === undefined ? undefined : judgeRedemption(after, { ...req, now });
        return again?.verdict === 'already-redeemed-by-order'
          ? { outcome: 'redeemed', couponId: coupon.id, discountCents: again.discountCents }
          : {
              outcome: 'refused',
              reason:
                again?.verdict === 'refused' ? again.reason : 'this coupon has already been used',
            };
      }
    }
  }

  /** The coupon the order redeemed becomes usable again; false when there is none (any more). */
  unredeemWithin(em: EntityManager, orderId: string): Promise<boolean> {
    return this.repo.unredeem(em, orderId);
  }
}
