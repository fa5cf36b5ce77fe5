import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const chargePaymentPayloadV1 = z.object({
  account: z.string().min(1),
  amountCents: z.number().int().positive(),
});

/** Demo saga command `demo.charge-payment` version 1. */
export const chargePaymentV1 = defineSagaCommand('demo.charge-payment', 1, chargePaymentPayloadV1);
export type ChargePaymentV1 = z.infer<typeof chargePaymentPayloadV1>;
