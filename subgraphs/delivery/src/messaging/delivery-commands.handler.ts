import { commandHandler, type CommandHandler, type StepOutcome } from '@shop/messaging';
import {
  assignShipmentResultV1,
  assignShipmentV1,
  cancelDeliveryShipmentResultV1,
  cancelDeliveryShipmentV1,
} from '@shop/schema';
import type { AssignmentService } from '../service/assignment.service.js';

/**
 * Delivery's saga commands: assign and cancel an order's shipment. Each runs inside the
 * participant's transaction (which also writes its log row, inbox row and reply), so the
 * assignment, its events and the reply commit together. The participant makes each idempotent by
 * saga id + step + action; the assignment service makes them idempotent by order id as well, so
 * two sagas of one order still assign once.
 */
export function deliveryCommandHandlers(assignments: AssignmentService): CommandHandler[] {
  return [
    commandHandler(assignShipmentV1, async (p, { em }): Promise<StepOutcome> => {
      const r = await assignments.assignWithin(em, p);
      return r.outcome === 'assigned'
        ? {
            outcome: 'succeeded',
            result: assignShipmentResultV1.parse({
              shipmentId: r.shipmentId,
              partnerId: r.partnerId,
              trackingCode: r.trackingCode,
            }),
          }
        : // "no delivery partner available for 10001: …"; the saga fails the order with it.
          { outcome: 'failed', reason: r.reason };
    }),
    commandHandler(cancelDeliveryShipmentV1, async (p, { em }): Promise<StepOutcome> => {
      const r = await assignments.cancelWithin(em, p.orderId, 'order cancelled');
      return r.outcome === 'done'
        ? {
            outcome: 'succeeded',
            result: cancelDeliveryShipmentResultV1.parse({ cancelled: r.cancelled }),
          }
        : { outcome: 'failed', reason: r.reason };
    }),
  ];
}
