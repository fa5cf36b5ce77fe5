/** Lifecycle states; the transitions arrive with the delivery issue. */
export const SHIPMENT_STATUSES = [
  'PENDING',
  'ASSIGNED',
  'PICKED_UP',
  'IN_TRANSIT',
  'DELIVERED',
  'FAILED',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Who a shipment concerns: its customer and, once assigned, the partner's users account. */
export interface ShipmentParties {
  readonly customerId: string;
  readonly partnerUserId: string | null;
}
