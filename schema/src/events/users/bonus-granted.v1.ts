import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, minorUnits } from '../parts.js';
import { grantedCouponV1 } from './bonus.v1.js';

export const bonusGrantedDataV1 = z.object({
  userId: z.string().min(1),
  email: z.email(),
  name: z.string().min(1),
  bonus: z.object({
    currency: currencyCode,
    creditCents: minorUnits,
    coupons: z.array(grantedCouponV1),
  }),
});

/**
 * `users.bonus-granted` version 1, on `users.events` keyed by the user id: the registration bonus
 * is final (credited and its coupons allocated). Written by users in the transaction of the
 * registration-bonus saga's last step, which no compensation follows, so it is never taken back by
 * that saga. The notification worker sends the welcome email listing it.
 */
export const bonusGrantedV1 = defineContract('users.bonus-granted', 1, bonusGrantedDataV1);
export type BonusGrantedV1 = z.infer<typeof bonusGrantedDataV1>;
