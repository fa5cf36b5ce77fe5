import { commandHandler, type CommandHandler, type StepOutcome } from '@shop/messaging';
import {
  allocateWelcomeCouponsV1,
  announceBonusV1,
  creditAmountResultV1,
  debitCreditV1,
  giveBackCreditV1,
  grantBonusCreditV1,
  redeemCouponResultV1,
  redeemCouponV1,
  revokeBonusCreditV1,
  revokeWelcomeCouponsV1,
  unredeemCouponV1,
} from '@shop/schema';
import type { CouponService } from '../service/coupon.service.js';
import type { CreditService } from '../service/credit.service.js';
import type { RegistrationBonusService } from '../service/registration-bonus.service.js';

/** The saga participant name: commands arrive on `sagas.commands.users`. */
export const USERS_PARTICIPANT = 'users';

/**
 * Users' saga commands: the registration bonus (grant credit, allocate coupons, announce, and the
 * revocations) and checkout's (redeem a coupon, debit credit, and their give-backs). Each runs in
 * the participant's transaction, which also writes its log row, inbox row and reply, so the effect
 * and the reply commit together. The participant makes each idempotent by saga id + step + action;
 * the services make them idempotent by user id (bonus) or order id (checkout) as well.
 */
export function usersCommandHandlers(deps: {
  bonus: RegistrationBonusService;
  credit: CreditService;
  coupons: CouponService;
}): CommandHandler[] {
  const { bonus, credit, coupons } = deps;
  return [
    commandHandler(grantBonusCreditV1, (p, { em }) => bonus.grantCreditWithin(em, p)),
    commandHandler(revokeBonusCreditV1, (p, { em }) => bonus.revokeCreditWithin(em, p)),
    commandHandler(allocateWelcomeCouponsV1, (p, { em }) => bonus.allocateCouponsWithin(em, p)),
    commandHandler(revokeWelcomeCouponsV1, (p, { em }) => bonus.revokeCouponsWithin(em, p)),
    commandHandler(announceBonusV1, (p, { em }) => bonus.announceWithin(em, p.userId)),
    commandHandler(redeemCouponV1, async (p, { em }): Promise<StepOutcome> => {
      const r = await coupons.redeemWithin(em, p);
      return r.outcome === 'redeemed'
        ? {
            outcome: 'succeeded',
            result: redeemCouponResultV1.parse({
              couponId: r.couponId,
              discountCents: r.discountCents,
            }),
          }
        : { outcome: 'failed', reason: r.reason };
    }),
    commandHandler(unredeemCouponV1, async (p, { em }): Promise<StepOutcome> => {
      const restored = await coupons.unredeemWithin(em, p.orderId);
      return { outcome: 'succeeded', result: { restored } };
    }),
    commandHandler(debitCreditV1, async (p, { em }): Promise<StepOutcome> => {
      const moved = await credit.debitWithin(em, p);
      return moved.outcome === 'moved'
        ? {
            outcome: 'succeeded',
            result: creditAmountResultV1.parse({ amountCents: -moved.entry.amountCents }),
          }
        : { outcome: 'failed', reason: moved.reason };
    }),
    commandHandler(giveBackCreditV1, async (p, { em }): Promise<StepOutcome> => {
      const amountCents = await credit.giveBackWithin(em, p.orderId);
      return { outcome: 'succeeded', result: creditAmountResultV1.parse({ amountCents }) };
    }),
  ];
}
