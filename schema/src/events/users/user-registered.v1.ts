import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { currencyCode, minorUnits } from '../parts.js';
import { bonusOfferV1 } from './bonus.v1.js';

export const userRegisteredDataV1 = z.object({
  userId: z.string().min(1),
  email: z.email(),
  name: z.string().min(1),
  /**
   * The welcome bonus, when users grants it in the registration transaction (added within v1:
   * optional, so earlier producers stay valid). Absent when there is none or it is granted later;
   * the welcome email then goes without it.
   */
  bonus: z
    .object({
      currency: currencyCode,
      /** Store credit in minor units of `currency`; 0 for coupons only. */
      creditCents: minorUnits,
      coupons: z.array(
        z.object({
          code: z.string().min(1).max(64),
          /** What it gives, as the customer reads it ("10% off your next order"). */
          description: z.string().min(1).max(200),
          expiresAt: z.iso.datetime({ offset: true }).optional(),
        }),
      ),
    })
    .optional(),
  /**
   * The registration bonus this account is entitled to, snapshotted from users' promotion rules in
   * the registration transaction (added within v1: optional). Present means the registration-bonus
   * saga grants it and the welcome email waits for `users.bonus-granted` (or
   * `users.bonus-withdrawn`, when granting failed and was undone); absent means no promotion ran
   * and the welcome email goes at once.
   */
  bonusOffer: bonusOfferV1.optional(),
});

/** `users.user-registered` version 1. The notification worker's users projection reads it too. */
export const userRegisteredV1 = defineContract('users.user-registered', 1, userRegisteredDataV1);
export type UserRegisteredV1 = z.infer<typeof userRegisteredDataV1>;
