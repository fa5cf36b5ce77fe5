import {
  awaitGoodsV1,
  closeReplenishmentV1,
  placePurchaseOrderV1,
  replenishmentRetryRequestedV1,
  stockGoodsV1,
  stockLowV1,
  TOPICS,
} from '@shop/schema';
import { z } from 'zod';
import { defineSaga, retriedBy, triggeredBy, type SagaStep } from '../engine/saga-definition.js';

export const REPLENISH_STOCK_SAGA = 'replenish-stock';

/**
 * Catalog runs every step (it owns the stock, the replenishment and the supplier port), as a
 * participant of its own, `sagas.commands.catalog-replenishment`: a supplier call that takes
 * seconds never holds up checkout's stock commands on `sagas.commands.catalog`.
 */
const CATALOG = 'catalog-replenishment';

/** Deliveries the saga waits for before it closes the replenishment short. */
export const MAX_DELIVERIES = 3;

/** One saga per replenishment, named after it: a republished `catalog.stock-low` starts nothing. */
export const replenishStockSagaId = (replenishmentId: string): string =>
  `replenish-${replenishmentId}`;

export const replenishStockData = z.object({
  replenishmentId: z.string().uuid(),
  productId: z.string().min(1).max(64),
  /** Merged from every step's result (`replenishmentProgressV1`); absent until the first. */
  ordered: z.number().int().nonnegative().optional(),
  received: z.number().int().nonnegative().optional(),
  stocked: z.number().int().nonnegative().optional(),
  outstanding: z.number().int().nonnegative().optional(),
});
export type ReplenishStockData = z.infer<typeof replenishStockData>;

export interface ReplenishStockSagaOptions {
  /** Where `catalog.stock-low@1` and the admins' retry requests come from. @default 'catalog.events' */
  readonly catalogEventsTopic?: string;
  /**
   * Per-attempt timeout of the supplier order: the participant retries the supplier with backoff
   * within it. @default 15000
   */
  readonly orderTimeoutMs?: number;
  /**
   * How long one wait for goods lasts before the command is resent (which also re-checks for
   * deliveries a lost answer missed); after `maxAttempts` waits the saga parks. @default 1 day
   */
  readonly receiveTimeoutMs?: number;
  /** Per-attempt timeout of the stock update and the close. @default 10000 */
  readonly stepTimeoutMs?: number;
  /** Sends of each step before the saga is parked. @default 3 */
  readonly maxAttempts?: number;
}

const has = (n: number | undefined): number => n ?? 0;

/**
 * Inventory replenishment (DESIGN 9), started by a `catalog.stock-low@1` that opened a
 * replenishment (it carries `replenishmentId`; catalog opens at most one per product, under the
 * product's stock row lock, so at most one such saga runs per product):
 *
 * | # | step                 | participant | command                         | runs when              |
 * |---|----------------------|-------------|---------------------------------|------------------------|
 * | 0 | place-purchase-order | catalog     | catalog.place-purchase-order@1  | always                 |
 * | 1 | receive-goods-1      | catalog     | catalog.await-goods@1           | always                 |
 * | 2 | stock-goods-1        | catalog     | catalog.stock-goods@1           | always                 |
 * | 3 | receive-goods-2      | catalog     | catalog.await-goods@1           | units outstanding      |
 * | 4 | stock-goods-2        | catalog     | catalog.stock-goods@1           | units received, unstocked |
 * | … | (up to MAX_DELIVERIES deliveries)                                                         |
 * | n | close-replenishment  | catalog     | catalog.close-replenishment@1   | always                 |
 *
 * Forward-only: a purchase order is not undone by the saga (a supplier order is cancelled by a
 * person), so no step has a compensation and every refusal or unanswered step parks the saga as
 * NEEDS_ATTENTION: `sagas.saga-parked@1` tells catalog (its admins' `replenishments` query shows
 * the reason) and the notification worker (an email to the operations address). An admin's
 * `retryReplenishment` publishes `catalog.replenishment-retry-requested@1`, and the orchestrator
 * resends the parked step once.
 * - A supplier that refuses, or stays unreachable through the participant's retries with backoff,
 *   refuses step 0: escalated.
 * - Waiting for goods is a deferred reply: catalog answers `await-goods` in the transaction that
 *   records a delivery, so the saga moves the moment goods arrive; the step's long timeout resends
 *   the wait (the participant answers at once if goods came meanwhile), and after `maxAttempts`
 *   waits without goods the saga parks (a late delivery still resumes it).
 * - A partial delivery is stocked at once and the saga waits again for the rest, up to
 *   MAX_DELIVERIES deliveries; then the close records the shortfall (SHORT_CLOSED).
 * - A refused stock update (the product's stock row gone) parks the saga for manual intervention;
 *   catalog reruns it on the retry, so the received units are stocked once the cause is fixed.
 */
export function replenishStockSaga(options: ReplenishStockSagaOptions = {}) {
  const topic = options.catalogEventsTopic ?? TOPICS.catalogEvents;
  const retry = { maxAttempts: options.maxAttempts ?? 3, backoffMs: 1000 };
  const target = (d: ReplenishStockData) => ({ replenishmentId: d.replenishmentId });
  const step = (
    name: string,
    contract: SagaStep<ReplenishStockData>['execute']['contract'],
    timeoutMs: number,
    when?: (d: ReplenishStockData) => boolean,
  ): SagaStep<ReplenishStockData> => ({
    name,
    participant: CATALOG,
    execute: { contract, payload: target },
    timeoutMs,
    retry,
    ...(when === undefined ? {} : { when }),
  });
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const receiveTimeoutMs = options.receiveTimeoutMs ?? 24 * 60 * 60 * 1000;
  const deliveries = Array.from({ length: MAX_DELIVERIES }, (_, i) => {
    const n = i + 1;
    // The first delivery is always waited for; a later one only while units are outstanding, and
    // stocked only when it brought units (a skipped wait brought none).
    const outstanding = n === 1 ? undefined : (d: ReplenishStockData) => has(d.outstanding) > 0;
    const unstocked =
      n === 1 ? undefined : (d: ReplenishStockData) => has(d.received) > has(d.stocked);
    return [
      step(`receive-goods-${n}`, awaitGoodsV1, receiveTimeoutMs, outstanding),
      step(`stock-goods-${n}`, stockGoodsV1, stepTimeoutMs, unstocked),
    ];
  }).flat();
  return defineSaga<ReplenishStockData>({
    type: REPLENISH_STOCK_SAGA,
    data: replenishStockData,
    subject: (d) => d.replenishmentId,
    trigger: triggeredBy(topic, stockLowV1, (event) => {
      const id = event.data.replenishmentId;
      if (id === undefined) return null;
      return {
        id: replenishStockSagaId(id),
        data: { replenishmentId: id, productId: event.data.productId },
      };
    }),
    retry: retriedBy(topic, replenishmentRetryRequestedV1, (event) => ({
      sagaId: replenishStockSagaId(event.data.replenishmentId),
      requestedBy: `admin ${event.data.requestedBy}`,
    })),
    steps: [
      step('place-purchase-order', placePurchaseOrderV1, options.orderTimeoutMs ?? 15_000),
      ...deliveries,
      step('close-replenishment', closeReplenishmentV1, stepTimeoutMs),
    ],
  });
}
