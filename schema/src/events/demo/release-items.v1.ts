import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const releaseItemsPayloadV1 = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
});

/** Demo saga command `demo.release-items` version 1. */
export const releaseItemsV1 = defineSagaCommand('demo.release-items', 1, releaseItemsPayloadV1);
export type ReleaseItemsV1 = z.infer<typeof releaseItemsPayloadV1>;
