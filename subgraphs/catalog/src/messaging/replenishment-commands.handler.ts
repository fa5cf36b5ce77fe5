import {
  commandHandler,
  StepOutcomeUnknownError,
  type CommandHandler,
  type StepOutcome,
} from '@shop/messaging';
import {
  awaitGoodsV1,
  closeReplenishmentResultV1,
  closeReplenishmentV1,
  placePurchaseOrderResultV1,
  placePurchaseOrderV1,
  replenishmentProgressV1,
  stockGoodsV1,
} from '@shop/schema';
import type { z } from 'zod';
import type { ReplenishmentSteps, StepResult } from '../service/replenishment-steps.service.js';

/** A step's outcome as the saga's reply, its result checked against the command's contract. */
const answer = <R>(o: StepResult<R>, result: z.ZodType): StepOutcome =>
  o.outcome === 'done'
    ? { outcome: 'succeeded', result: result.parse(o.result) as Record<string, unknown> }
    : { outcome: 'failed', reason: o.reason };

/**
 * Catalog's replenishment saga commands, each inside the participant's transaction (its log row,
 * inbox row and reply commit with the change). The saga is forward-only: a refusal parks it for
 * an operator, and the handlers whose refusal an operator can remedy (`rerunsRefusals`: a supplier
 * to change, a stock row to restore) run again when the parked saga is retried; they change
 * nothing when they refuse. `await-goods` defers its answer until goods arrive (goods inward
 * answers it).
 */
export function replenishmentCommandHandlers(steps: ReplenishmentSteps): CommandHandler[] {
  return [
    commandHandler(
      placePurchaseOrderV1,
      async (p, { em }) => {
        const o = await steps.placeOrderWithin(em, p.replenishmentId);
        // No reply: the saga resends the step (to the supplier now pinned), then parks.
        if (o.outcome === 'unknown') throw new StepOutcomeUnknownError(o.reason);
        return answer(o, placePurchaseOrderResultV1);
      },
      { rerunsRefusals: true },
    ),
    commandHandler(awaitGoodsV1, async (p, { em, saga }) => {
      const o = await steps.awaitGoodsWithin(em, p.replenishmentId, {
        sagaId: saga.sagaId,
        step: saga.step,
      });
      return o.outcome === 'waiting'
        ? { outcome: 'deferred', waitingFor: `goods of replenishment ${p.replenishmentId}` }
        : answer(o, replenishmentProgressV1);
    }),
    commandHandler(
      stockGoodsV1,
      async (p, { em }) =>
        answer(await steps.stockGoodsWithin(em, p.replenishmentId), replenishmentProgressV1),
      { rerunsRefusals: true },
    ),
    commandHandler(
      closeReplenishmentV1,
      async (p, { em }) =>
        answer(await steps.closeWithin(em, p.replenishmentId), closeReplenishmentResultV1),
      { rerunsRefusals: true },
    ),
  ];
}
