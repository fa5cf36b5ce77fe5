import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { orderNumber } from '../parts.js';

/**
 * Delivery's shipment states. v1 also listed OUT_FOR_DELIVERY, which delivery never enters: the
 * partner's "in transit" is what the customer is told as "out for delivery".
 */
export const SHIPMENT_STATUSES_V2 = [
  'PENDING',
  'ASSIGNED',
  'PICKED_UP',
  'IN_TRANSIT',
  'DELIVERED',
  'FAILED',
  'CANCELLED',
] as const;

/** Statuses at which a partner holds the shipment, so `partner` is set. */
const WITH_PARTNER = new Set<string>(['ASSIGNED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED']);

export const shipmentStatusChangedDataV2 = z
  .object({
    shipmentId: z.string().min(1),
    orderId: z.string().min(1),
    orderNumber,
    /**
     * The customer (a users id). Delivery keeps no contact details: consumers that write to the
     * customer resolve the address from users' events (the notification worker's projection).
     */
    customerId: z.string().min(1),
    status: z.enum(SHIPMENT_STATUSES_V2),
    /** The assigned partner; set from ASSIGNED on, null before and for CANCELLED/FAILED if none. */
    partner: z
      .object({
        id: z.string().min(1),
        /** Name shown to the customer. */
        name: z.string().min(1).max(200),
      })
      .nullable(),
    /** When the partner expects to deliver; set at ASSIGNED, may be refined later, else null. */
    expectedWindow: z
      .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
      .nullable(),
  })
  .superRefine((d, ctx) => {
    if (WITH_PARTNER.has(d.status) && d.partner === null)
      ctx.addIssue({ code: 'custom', path: ['partner'], message: `required when ${d.status}` });
    if (d.status === 'ASSIGNED' && d.expectedWindow === null)
      ctx.addIssue({ code: 'custom', path: ['expectedWindow'], message: 'required when ASSIGNED' });
    if (d.expectedWindow !== null && d.expectedWindow.from > d.expectedWindow.to)
      ctx.addIssue({ code: 'custom', path: ['expectedWindow'], message: 'from is after to' });
  });

/**
 * `delivery.shipment-status-changed` version 2: v1 plus the order number, the customer id, the
 * partner's name and the expected delivery window; OUT_FOR_DELIVERY dropped (see above), CANCELLED
 * kept for the saga's compensation. Published beside v1 until v1's consumers move.
 */
export const shipmentStatusChangedV2 = defineContract(
  'delivery.shipment-status-changed',
  2,
  shipmentStatusChangedDataV2,
);
export type ShipmentStatusChangedV2 = z.infer<typeof shipmentStatusChangedDataV2>;
