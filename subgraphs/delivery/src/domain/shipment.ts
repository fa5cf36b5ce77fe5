/**
 * A shipment's life: PENDING (no partner yet) → ASSIGNED → ACCEPTED → PICKED_UP → IN_TRANSIT →
 * DELIVERED, or FAILED / CANCELLED. The whole machine is the table below; the service applies a
 * verdict with one conditional UPDATE (`WHERE status = <from>`), so two concurrent moves of one
 * shipment cannot both apply.
 */
export const SHIPMENT_STATUSES = [
  'PENDING',
  'ASSIGNED',
  'ACCEPTED',
  'PICKED_UP',
  'IN_TRANSIT',
  'DELIVERED',
  'FAILED',
  'CANCELLED',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** States the shipment never leaves; reaching one frees the partner's capacity. */
export const TERMINAL_STATUSES: readonly ShipmentStatus[] = ['DELIVERED', 'FAILED', 'CANCELLED'];

/** States in which the shipment holds capacity of its partner. */
export const HOLDS_CAPACITY: readonly ShipmentStatus[] = [
  'ASSIGNED',
  'ACCEPTED',
  'PICKED_UP',
  'IN_TRANSIT',
];

/** What the assigned partner (or the saga, for `cancel`) asks of a shipment. */
export type ShipmentAction =
  'accept' | 'decline' | 'pick-up' | 'in-transit' | 'deliver' | 'fail' | 'cancel';

/** From which states each action is legal, and where it leads. `decline` leads back to PENDING. */
export const TRANSITIONS: Readonly<
  Record<ShipmentAction, { from: readonly ShipmentStatus[]; to: ShipmentStatus }>
> = {
  accept: { from: ['ASSIGNED'], to: 'ACCEPTED' },
  decline: { from: ['ASSIGNED'], to: 'PENDING' },
  'pick-up': { from: ['ACCEPTED'], to: 'PICKED_UP' },
  // IN_TRANSIT → IN_TRANSIT is a position report.
  'in-transit': { from: ['PICKED_UP', 'IN_TRANSIT'], to: 'IN_TRANSIT' },
  deliver: { from: ['IN_TRANSIT'], to: 'DELIVERED' },
  fail: { from: ['ACCEPTED', 'PICKED_UP', 'IN_TRANSIT'], to: 'FAILED' },
  // Only before the parcel left the warehouse.
  cancel: { from: ['PENDING', 'ASSIGNED', 'ACCEPTED'], to: 'CANCELLED' },
};

export type TransitionVerdict =
  | { readonly ok: true; readonly from: ShipmentStatus; readonly to: ShipmentStatus }
  | { readonly ok: false; readonly reason: string };

const ACTION_WORDS: Record<ShipmentAction, string> = {
  accept: 'accepted',
  decline: 'declined',
  'pick-up': 'picked up',
  'in-transit': 'marked in transit',
  deliver: 'delivered',
  fail: 'marked failed',
  cancel: 'cancelled',
};

/** Whether `action` may move a shipment that is `from` now, and to what (a CONFLICT if not). */
export function judgeTransition(from: ShipmentStatus, action: ShipmentAction): TransitionVerdict {
  const rule = TRANSITIONS[action];
  return rule.from.includes(from)
    ? { ok: true, from, to: rule.to }
    : { ok: false, reason: `a shipment that is ${from} cannot be ${ACTION_WORDS[action]}` };
}

/** Who a shipment concerns: its customer and, once assigned, the partner's users account. */
export interface ShipmentParties {
  readonly customerId: string;
  readonly partnerUserId: string | null;
}

/** A reported position, in degrees. */
export interface Position {
  readonly latitude: number;
  readonly longitude: number;
}

export const isValidPosition = (p: Position): boolean =>
  Number.isFinite(p.latitude) &&
  Number.isFinite(p.longitude) &&
  Math.abs(p.latitude) <= 90 &&
  Math.abs(p.longitude) <= 180;
