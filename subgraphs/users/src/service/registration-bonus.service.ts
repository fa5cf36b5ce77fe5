import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import {
  bonusGrantedV1,
  bonusWithdrawnV1,
  type AllocateWelcomeCouponsV1,
  type GrantBonusCreditV1,
} from '@shop/schema';
import { describeCoupon } from '../domain/coupon.js';
import { bonusGrantKey, bonusRevokeKey, greetingName } from '../domain/registration-bonus.js';
import type { CreditLedgerRepository } from '../persistence/credit-ledger.repository.js';
import { UserEntity } from '../persistence/user.entity.js';
import type { CouponService } from './coupon.service.js';
import type { CreditService } from './credit.service.js';

export type BonusStepOutcome =
  | { readonly outcome: 'succeeded'; readonly result: Record<string, unknown> }
  | { readonly outcome: 'failed'; readonly reason: string };

/** Formats minor units for a customer (`$5.00`): the currency's own exponent, from Intl. */
export function formatMinorUnits(cents: number, currency: string, locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

/**
 * The registration bonus on users' side: the steps of the registration-bonus saga (grant the
 * credit, allocate the coupons, announce; and their compensations). Each step runs in the saga
 * participant's transaction, idempotent by user id through the ledger's keys and the coupons'
 * source.
 */
export class RegistrationBonusService {
  constructor(
    private readonly outbox: Outbox,
    private readonly eventsTopic: string,
    private readonly credit: CreditService,
    private readonly ledger: CreditLedgerRepository,
    private readonly coupons: CouponService,
  ) {}

  async grantCreditWithin(em: EntityManager, p: GrantBonusCreditV1): Promise<BonusStepOutcome> {
    const user = await em.findOne(UserEntity, { id: p.userId });
    if (user === null) return { outcome: 'failed', reason: `no account ${p.userId}` };
    if (p.currency !== this.credit.currency)
      return {
        outcome: 'failed',
        reason: `store credit is kept in ${this.credit.currency}, the bonus is in ${p.currency}`,
      };
    if (p.creditCents === 0) return { outcome: 'succeeded', result: { amountCents: 0 } };
    const moved = await this.credit.grantWithin(em, {
      userId: p.userId,
      amountCents: p.creditCents,
      reason: 'registration bonus',
      idempotencyKey: bonusGrantKey(p.userId),
    });
    return moved.outcome === 'moved'
      ? { outcome: 'succeeded', result: { amountCents: moved.entry.amountCents } }
      : { outcome: 'failed', reason: moved.reason };
  }

  /** The saga's last compensation: the credit taken back, then `users.bonus-withdrawn`. */
  async revokeCreditWithin(
    em: EntityManager,
    p: { userId: string; reason: string },
  ): Promise<BonusStepOutcome> {
    const moved = await this.credit.revokeGrantWithin(em, {
      userId: p.userId,
      grantKey: bonusGrantKey(p.userId),
      reason: `registration bonus revoked: ${p.reason}`,
      idempotencyKey: bonusRevokeKey(p.userId),
    });
    const user = await em.findOne(UserEntity, { id: p.userId });
    if (user !== null)
      await this.outbox.add(em, bonusWithdrawnV1, {
        topic: this.eventsTopic,
        key: user.id,
        data: {
          userId: user.id,
          email: user.email,
          name: greetingName(user.email),
          reason: p.reason.slice(0, 2000),
        },
      });
    const amountCents = moved?.outcome === 'moved' ? -moved.entry.amountCents : 0;
    return { outcome: 'succeeded', result: { amountCents } };
  }

  async allocateCouponsWithin(
    em: EntityManager,
    p: AllocateWelcomeCouponsV1,
  ): Promise<BonusStepOutcome> {
    // The account lock serialises every bonus step of one user (as it does ledger writes).
    await this.ledger.lockAccount(em, p.userId, this.credit.currency);
    const r = await this.coupons.allocateWelcomeWithin(em, p.userId, p.coupons.count, {
      discount: p.coupons.discount,
      minOrderCents: p.coupons.minOrderCents,
      validDays: p.coupons.validDays,
    });
    return r.outcome === 'allocated'
      ? { outcome: 'succeeded', result: { coupons: r.coupons.length } }
      : { outcome: 'failed', reason: r.reason };
  }

  async revokeCouponsWithin(
    em: EntityManager,
    p: { userId: string; reason: string },
  ): Promise<BonusStepOutcome> {
    await this.ledger.lockAccount(em, p.userId, this.credit.currency);
    const revoked = await this.coupons.revokeWelcomeWithin(
      em,
      p.userId,
      `registration bonus revoked: ${p.reason}`,
    );
    return { outcome: 'succeeded', result: { coupons: revoked } };
  }

  /** The saga's last step: `users.bonus-granted` with what the account holds of its bonus. */
  async announceWithin(em: EntityManager, userId: string): Promise<BonusStepOutcome> {
    const user = await em.findOne(UserEntity, { id: userId });
    if (user === null) return { outcome: 'failed', reason: `no account ${userId}` };
    const grant = await this.credit.entryByKey(em, bonusGrantKey(userId));
    const coupons = await this.coupons.welcomeOf(em, userId);
    const currency = this.credit.currency;
    await this.outbox.add(em, bonusGrantedV1, {
      topic: this.eventsTopic,
      key: user.id,
      data: {
        userId: user.id,
        email: user.email,
        name: greetingName(user.email),
        bonus: {
          currency,
          creditCents: grant?.amountCents ?? 0,
          coupons: coupons.map((c) => ({
            code: c.code,
            description: describeCoupon(c.discount, c.minOrderCents, (cents) =>
              formatMinorUnits(
                cents,
                c.discount.kind === 'AMOUNT' ? c.discount.currency : currency,
              ),
            ),
            expiresAt: c.expiresAt.toISOString(),
          })),
        },
      },
    });
    return { outcome: 'succeeded', result: { coupons: coupons.length } };
  }
}
