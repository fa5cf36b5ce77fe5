import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const SHIPMENT_STATUSES_V1 = [
  'PENDING',
  'ASSIGNED',
  'ACCEPTED',
  'PICKED_UP',
  'IN_TRANSIT',
  'DELIVERED',
  'FAILED',
  'CANCELLED',
] as const;

/** What happened: one change of a shipment or of its assignment. */
export const SHIPMENT_CHANGES_V1 = [
  'assigned',
  'declined',
  'timed-out',
  'accepted',
  'picked-up',
  'in-transit',
  'delivered',
  'failed',
  'cancelled',
] as const;

export const positionV1 = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});

export const shipmentChangedDataV1 = z.object({
  shipmentId: z.string().min(1),
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  /** Per shipment, +1 with every change, no gaps: a resumable cursor can build on it. */
  sequence: z.number().int().positive(),
  change: z.enum(SHIPMENT_CHANGES_V1),
  status: z.enum(SHIPMENT_STATUSES_V1),
  /** The partner the shipment is assigned to after the change (null: none). */
  partnerId: z.string().min(1).nullable(),
  partnerUserId: z.string().min(1).nullable(),
  /**
   * The partner's display name, shown to the customer (e.g. in the "partner assigned" email); set
   * whenever `partnerId` is. Added after v1 first shipped, so older events lack it.
   */
  partnerName: z.string().min(1).max(200).optional(),
  /**
   * The status before the change (`status` is the one after it), so a consumer can tell a move
   * from a repeat: `in-transit` from PICKED_UP is the parcel leaving for the door, from IN_TRANSIT
   * a position report. Added after v1 first shipped, so older events lack it.
   */
  previousStatus: z.enum(SHIPMENT_STATUSES_V1).optional(),
  /**
   * The partner that lost the assignment in this change (declined, timed out, cancelled), so its
   * own feed can drop it; null otherwise.
   */
  previousPartnerId: z.string().min(1).nullable(),
  previousPartnerUserId: z.string().min(1).nullable(),
  /**
   * The change's place in the partner's own feed (gapless per partner; `myAssignments` resumes
   * after it), for `partnerId` and `previousPartnerId`. Added after v1 first shipped.
   */
  partnerFeedSequence: z.number().int().positive().optional(),
  previousPartnerFeedSequence: z.number().int().positive().optional(),
  position: positionV1.nullable(),
  /** Why it declined, failed or was cancelled. */
  reason: z.string().nullable(),
  trackingCode: z.string(),
  /** When the change was made (database time, ISO 8601). */
  at: z.string().datetime(),
});
export type ShipmentChangedV1 = z.infer<typeof shipmentChangedDataV1>;

/**
 * `delivery.shipment-changed` version 1, on `delivery.events` keyed by the order id: every change
 * of a shipment and of its assignment, in order, with a per-shipment sequence number. The
 * notification worker writes the customer's shipment emails from it (`assigned`, `picked-up`, the
 * first `in-transit`, `delivered`).
 */
export const shipmentChangedV1 = defineContract(
  'delivery.shipment-changed',
  1,
  shipmentChangedDataV1,
);
