import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const cancelShipmentPayloadV1 = z.object({ address: z.string().min(1) });

/** Demo saga command `demo.cancel-shipment` version 1. */
export const cancelShipmentV1 = defineSagaCommand(
  'demo.cancel-shipment',
  1,
  cancelShipmentPayloadV1,
);
export type CancelShipmentV1 = z.infer<typeof cancelShipmentPayloadV1>;
