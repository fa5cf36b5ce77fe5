import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const reserveItemsPayloadV1 = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
});

/** Demo saga command `demo.reserve-items` version 1. */
export const reserveItemsV1 = defineSagaCommand('demo.reserve-items', 1, reserveItemsPayloadV1);
export type ReserveItemsV1 = z.infer<typeof reserveItemsPayloadV1>;
