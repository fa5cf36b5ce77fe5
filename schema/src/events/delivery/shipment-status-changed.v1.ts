import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const shipmentStatusChangedDataV1 = z.object({
  shipmentId: z.string().min(1),
  orderId: z.string().min(1),
  partnerId: z.string().min(1).nullable(),
  status: z.enum([
    'PENDING',
    'ASSIGNED',
    'PICKED_UP',
    'IN_TRANSIT',
    'OUT_FOR_DELIVERY',
    'DELIVERED',
    'FAILED',
    'CANCELLED',
  ]),
});

/** `delivery.shipment-status-changed` version 1. */
export const shipmentStatusChangedV1 = defineContract(
  'delivery.shipment-status-changed',
  1,
  shipmentStatusChangedDataV1,
);
export type ShipmentStatusChangedV1 = z.infer<typeof shipmentStatusChangedDataV1>;
