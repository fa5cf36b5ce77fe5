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

export interface ShipmentParties {
  readonly customerId: string;
  readonly partnerUserId: string | null;
}

export interface Viewer {
  readonly userId?: string;
  readonly roles: readonly string[];
}

/** A shipment is visible to its customer, to the partner it is assigned to, and to admins. */
export function canViewShipment(viewer: Viewer, shipment: ShipmentParties): boolean {
  if (viewer.roles.includes('admin')) return true;
  if (viewer.userId === undefined) return false;
  return viewer.userId === shipment.customerId || viewer.userId === shipment.partnerUserId;
}
