import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const refundPaymentPayloadV1 = z.object({
  account: z.string().min(1),
  amountCents: z.number().int().positive(),
});

/** Demo saga command `demo.refund-payment` version 1. */
export const refundPaymentV1 = defineSagaCommand('demo.refund-payment', 1, refundPaymentPayloadV1);
export type RefundPaymentV1 = z.infer<typeof refundPaymentPayloadV1>;
