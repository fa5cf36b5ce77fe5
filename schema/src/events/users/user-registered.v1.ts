import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const userRegisteredDataV1 = z.object({
  userId: z.string().min(1),
  email: z.email(),
  name: z.string().min(1),
});

/** `users.user-registered` version 1. */
export const userRegisteredV1 = defineContract('users.user-registered', 1, userRegisteredDataV1);
export type UserRegisteredV1 = z.infer<typeof userRegisteredDataV1>;
