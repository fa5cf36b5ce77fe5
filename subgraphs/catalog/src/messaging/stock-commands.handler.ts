import { commandHandler, type CommandHandler, type StepOutcome } from '@shop/messaging';
import {
  commitStockResultV1,
  commitStockV1,
  releaseStockResultV1,
  releaseStockV1,
  reserveStockResultV1,
  reserveStockV1,
  restockOrderResultV1,
  restockOrderV1,
} from '@shop/schema';
import type { SettleOutcome } from '../domain/reservation.js';
import type { ReservationService } from '../service/reservation.service.js';

const settled = (outcome: SettleOutcome, result: (units: number) => Record<string, unknown>) =>
  outcome.outcome === 'done'
    ? ({ outcome: 'succeeded', result: result(outcome.units) } as const)
    : ({ outcome: 'failed', reason: outcome.reason } as const);

/**
 * Catalog's saga commands: reserve, release and commit stock for an order, and restock a cancelled
 * one. Each runs inside the
 * participant's transaction (which also writes its log row, inbox row and reply), so the stock
 * change, its events and the reply commit together. The participant makes each idempotent by saga
 * id + step + action; the reservation service makes them idempotent by order id as well, so two
 * sagas of one order still reserve once.
 */
export function stockCommandHandlers(reservations: ReservationService): CommandHandler[] {
  return [
    commandHandler(reserveStockV1, async (p, { em }): Promise<StepOutcome> => {
      const r = await reservations.reserveWithin(em, p.orderId, p.lines);
      return r.outcome === 'reserved'
        ? {
            outcome: 'succeeded',
            result: reserveStockResultV1.parse({ reservedUnits: r.units }),
          }
        : // A refusal names every short product; the place-order saga fails the order with it.
          { outcome: 'failed', reason: r.reason };
    }),
    commandHandler(releaseStockV1, async (p, { em }) =>
      settled(await reservations.releaseWithin(em, p.orderId), (units) =>
        releaseStockResultV1.parse({ releasedUnits: units }),
      ),
    ),
    commandHandler(commitStockV1, async (p, { em }) =>
      settled(await reservations.commitWithin(em, p.orderId), (units) =>
        commitStockResultV1.parse({ committedUnits: units }),
      ),
    ),
    // The cancel-order saga's first step: the sold units go back on hand, once.
    commandHandler(restockOrderV1, async (p, { em }) =>
      settled(await reservations.restockWithin(em, p.orderId), (units) =>
        restockOrderResultV1.parse({ restockedUnits: units }),
      ),
    ),
  ];
}
