import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const scheduleShipmentPayloadV1 = z.object({ address: z.string().min(1) });

/** Demo saga command `demo.schedule-shipment` version 1. */
export const scheduleShipmentV1 = defineSagaCommand(
  'demo.schedule-shipment',
  1,
  scheduleShipmentPayloadV1,
);
export type ScheduleShipmentV1 = z.infer<typeof scheduleShipmentPayloadV1>;
