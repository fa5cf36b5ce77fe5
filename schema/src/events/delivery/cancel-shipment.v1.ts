import { z } from 'zod';
import { defineSagaCommand } from '../sagas/saga-command.js';

export const cancelDeliveryShipmentPayloadV1 = z.object({
  orderId: z.string().min(1).max(64),
});
export type CancelDeliveryShipmentV1 = z.infer<typeof cancelDeliveryShipmentPayloadV1>;

/**
 * Saga command `delivery.cancel-shipment` version 1 (the compensation of
 * `delivery.assign-shipment`, and the cancel-order saga's last step): cancels the order's shipment
 * and frees its partner's capacity, once. An order with no shipment gets a CANCELLED marker, so an
 * assign overtaken by its own compensation is refused. Refused once the parcel was picked up.
 */
export const cancelDeliveryShipmentV1 = defineSagaCommand(
  'delivery.cancel-shipment',
  1,
  cancelDeliveryShipmentPayloadV1,
);

export const cancelDeliveryShipmentResultV1 = z.object({
  /** False when the shipment was already cancelled (or never existed). */
  cancelled: z.boolean(),
});
export type CancelDeliveryShipmentResultV1 = z.infer<typeof cancelDeliveryShipmentResultV1>;
