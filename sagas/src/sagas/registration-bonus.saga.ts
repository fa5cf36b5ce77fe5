import {
  allocateWelcomeCouponsV1,
  announceBonusV1,
  bonusOfferV1,
  grantBonusCreditV1,
  revokeBonusCreditV1,
  revokeWelcomeCouponsV1,
  userRegisteredV1,
} from '@shop/schema';
import { z } from 'zod';
import { defineSaga, triggeredBy, type SagaView } from '../engine/saga-definition.js';

export const REGISTRATION_BONUS_SAGA = 'registration-bonus';

/** The participant users runs (subgraphs/users/src/messaging/). */
const USERS = 'users';

export const registrationBonusData = z.object({
  userId: z.string().min(1).max(36),
  /** The offer of users' promotion rules at registration, from `users.user-registered`. */
  offer: bonusOfferV1,
});
export type RegistrationBonusData = z.infer<typeof registrationBonusData>;

export interface RegistrationBonusSagaOptions {
  /** Where `users.user-registered` is published. @default 'users.events' */
  readonly usersEventsTopic: string;
  /** Per-attempt reply timeout of every step. @default 10000 */
  readonly timeoutMs?: number;
  /** @default 3 */
  readonly maxAttempts?: number;
}

/** One saga per account, named after it: a redelivered or republished event starts nothing new. */
export const registrationBonusSagaId = (userId: string): string => `bonus-${userId}`;

/** Why the bonus is withdrawn, as the ledger and the coupons record it. */
const withdrawalReason = (saga: SagaView): string =>
  saga.failureReason ?? 'the registration bonus could not be granted';

/**
 * The registration bonus (DESIGN 9), started by `users.user-registered@1` when the event carries a
 * `bonusOffer` (users' promotion rules decide whether and what; the offer travels in the saga data,
 * so a change of the rules never alters a bonus under way).
 *
 * | # | step             | participant | command                           | compensation                   |
 * |---|------------------|-------------|-----------------------------------|--------------------------------|
 * | 0 | grant-credit     | users       | users.grant-bonus-credit@1        | users.revoke-bonus-credit@1    |
 * | 1 | allocate-coupons | users       | users.allocate-welcome-coupons@1  | users.revoke-welcome-coupons@1 |
 * | 2 | announce         | users       | users.announce-bonus@1 (pivot)    | —                              |
 *
 * A refused coupon generation compensates backwards: the coupons revoked (none were written),
 * then the credit revoked by a ledger entry; that last compensation writes
 * `users.bonus-withdrawn`, and the welcome email goes without a bonus. The announcement is the
 * pivot: `users.bonus-granted` is written only once nothing can take the bonus back, and the
 * notification worker sends the welcome email listing it.
 */
export function registrationBonusSaga(options: RegistrationBonusSagaOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retry = { maxAttempts: options.maxAttempts ?? 3, backoffMs: 500 };
  return defineSaga<RegistrationBonusData>({
    type: REGISTRATION_BONUS_SAGA,
    data: registrationBonusData,
    trigger: triggeredBy(options.usersEventsTopic, userRegisteredV1, (event) => {
      const offer = event.data.bonusOffer;
      if (offer === undefined) return null;
      return {
        id: registrationBonusSagaId(event.data.userId),
        data: { userId: event.data.userId, offer },
      };
    }),
    steps: [
      {
        name: 'grant-credit',
        participant: USERS,
        execute: {
          contract: grantBonusCreditV1,
          payload: (d) => ({
            userId: d.userId,
            currency: d.offer.currency,
            creditCents: d.offer.creditCents,
          }),
        },
        compensate: {
          contract: revokeBonusCreditV1,
          payload: (d, saga) => ({ userId: d.userId, reason: withdrawalReason(saga) }),
        },
        timeoutMs,
        retry,
      },
      {
        name: 'allocate-coupons',
        participant: USERS,
        execute: {
          contract: allocateWelcomeCouponsV1,
          payload: (d) => ({ userId: d.userId, coupons: d.offer.coupons }),
        },
        compensate: {
          contract: revokeWelcomeCouponsV1,
          payload: (d, saga) => ({ userId: d.userId, reason: withdrawalReason(saga) }),
        },
        timeoutMs,
        retry,
      },
      {
        name: 'announce',
        participant: USERS,
        execute: { contract: announceBonusV1, payload: (d) => ({ userId: d.userId }) },
        timeoutMs,
        retry,
      },
    ],
  });
}
