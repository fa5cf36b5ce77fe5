import { z } from 'zod';
import { currencyCode, minorUnits } from '../parts.js';
import { defineSagaCommand } from '../sagas/saga-command.js';
import { bonusOfferV1 } from './bonus.v1.js';

// The registration-bonus saga's commands to the `users` participant
// (subgraphs/users/src/messaging/). Each is idempotent by user id besides the participant's own
// saga + step + action: an account gets one registration bonus, whatever saga asks.

const userRef = z.object({ userId: z.string().min(1).max(36) });
const withdrawal = userRef.extend({
  /** The refusal or timeout that failed the saga; recorded in the ledger and the coupons. */
  reason: z.string().min(1).max(2000),
});

export const grantBonusCreditPayloadV1 = userRef.extend({
  currency: currencyCode,
  creditCents: minorUnits,
});
export type GrantBonusCreditV1 = z.infer<typeof grantBonusCreditPayloadV1>;

/**
 * `users.grant-bonus-credit` version 1: appends the bonus credit to the account's ledger, once per
 * account. Refused for an unknown account or a currency the ledger does not keep. Compensation:
 * `users.revoke-bonus-credit`.
 */
export const grantBonusCreditV1 = defineSagaCommand(
  'users.grant-bonus-credit',
  1,
  grantBonusCreditPayloadV1,
);

/**
 * `users.revoke-bonus-credit` version 1: a revocation entry takes the bonus back (as much of it as
 * is left: the balance never goes negative), once; then `users.bonus-withdrawn` goes out through
 * the outbox in the same transaction, as this is the saga's last compensation.
 */
export const revokeBonusCreditV1 = defineSagaCommand('users.revoke-bonus-credit', 1, withdrawal);
export type RevokeBonusCreditV1 = z.infer<typeof withdrawal>;

export const allocateWelcomeCouponsPayloadV1 = userRef.extend({
  coupons: bonusOfferV1.shape.coupons,
});
export type AllocateWelcomeCouponsV1 = z.infer<typeof allocateWelcomeCouponsPayloadV1>;

/**
 * `users.allocate-welcome-coupons` version 1: generates the welcome coupons and gives them to the
 * account, once per account (a repeat finds them). Compensation: `users.revoke-welcome-coupons`.
 */
export const allocateWelcomeCouponsV1 = defineSagaCommand(
  'users.allocate-welcome-coupons',
  1,
  allocateWelcomeCouponsPayloadV1,
);

/** `users.revoke-welcome-coupons` version 1: every unused welcome coupon becomes REVOKED, once. */
export const revokeWelcomeCouponsV1 = defineSagaCommand(
  'users.revoke-welcome-coupons',
  1,
  withdrawal,
);
export type RevokeWelcomeCouponsV1 = z.infer<typeof withdrawal>;

/**
 * `users.announce-bonus` version 1, the saga's last step (no compensation): writes
 * `users.bonus-granted` with the credit and coupons the account got, once.
 */
export const announceBonusV1 = defineSagaCommand('users.announce-bonus', 1, userRef);
export type AnnounceBonusV1 = z.infer<typeof userRef>;

/** The `result` of a succeeded grant or revocation: the amount that moved. */
export const creditMovedResultV1 = z.object({ amountCents: minorUnits });
/** The `result` of a succeeded coupon allocation or revocation: how many coupons it concerned. */
export const couponsCountResultV1 = z.object({ coupons: z.number().int().nonnegative() });
