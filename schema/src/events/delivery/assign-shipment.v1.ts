import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const assignShipmentPayloadV1 = z.object({
  /** The shipment's identity: assigning the same order again assigns once. */
  orderId: z.string().min(1).max(64),
  /** The order's owner: the only customer who may see the shipment. */
  customerId: z.string().min(1).max(64),
  /** The delivery address's US ZIP code (5 digits, optionally ZIP+4). */
  postalCode: z.string().regex(/^\d{5}(-\d{4})?$/),
  /** Items in the order: the vehicle capacity the shipment takes from its partner. */
  units: z.number().int().positive().max(10_000),
});
export type AssignShipmentV1 = z.infer<typeof assignShipmentPayloadV1>;

/**
 * Saga command `delivery.assign-shipment` version 1, handled by the `delivery` participant:
 * picks the best delivery partner that serves the address, is available and working now and has
 * room for the order's items, and assigns the shipment to it (status ASSIGNED). A refusal
 * (`failed`) says why, e.g. `no delivery partner available for 10001: 2 outside the service area,
 * 1 without room for 5 items`; the compensation is `delivery.cancel-shipment`.
 */
export const assignShipmentV1 = defineSagaCommand(
  'delivery.assign-shipment',
  1,
  assignShipmentPayloadV1,
);

/** The `result` of a succeeded `delivery.assign-shipment` reply (merged into the saga data). */
export const assignShipmentResultV1 = z.object({
  shipmentId: z.string().min(1),
  /** Null only when a repeat finds the shipment between partners (declined, awaiting another). */
  partnerId: z.string().min(1).nullable(),
  trackingCode: z.string().min(1),
});
export type AssignShipmentResultV1 = z.infer<typeof assignShipmentResultV1>;
