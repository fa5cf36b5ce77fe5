import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const bonusWithdrawnDataV1 = z.object({
  userId: z.string().min(1),
  email: z.email(),
  name: z.string().min(1),
  /** Why granting failed (operators' wording; not shown to the customer). */
  reason: z.string().min(1).max(2000),
});

/**
 * `users.bonus-withdrawn` version 1, on `users.events` keyed by the user id: granting the
 * registration bonus failed and what was granted has been revoked (the saga's last compensation).
 * The notification worker then sends the welcome email without a bonus.
 */
export const bonusWithdrawnV1 = defineContract('users.bonus-withdrawn', 1, bonusWithdrawnDataV1);
export type BonusWithdrawnV1 = z.infer<typeof bonusWithdrawnDataV1>;
