import { z } from 'zod';
import { defineContract } from '../envelope.js';
import { defineSagaCommand } from '../sagas/saga-command.js';

// The inventory replenishment saga's contracts (DESIGN 9). Catalog owns the replenishment (its
// MariaDB stock database): it opens one when a product's available stock crosses below its
// threshold (at most one open per product), places the purchase order through its supplier port,
// records the goods that arrive and raises the stock. The orchestrator runs the steps.

const replenishmentId = z.string().uuid();

/** Every replenishment command names the replenishment it acts on. */
export const replenishmentPayloadV1 = z.object({ replenishmentId });
export type ReplenishmentPayloadV1 = z.infer<typeof replenishmentPayloadV1>;

/** Where a replenishment stands in units; every step's `result` carries it (merged into the data). */
export const replenishmentProgressV1 = z.object({
  /** Units ordered from the supplier. */
  ordered: z.number().int().nonnegative(),
  /** Units that arrived so far, over every delivery. */
  received: z.number().int().nonnegative(),
  /** Units of those already added to the stock on hand. */
  stocked: z.number().int().nonnegative(),
  /** Units still expected from the supplier (ordered − received, 0 once closed). */
  outstanding: z.number().int().nonnegative(),
});
export type ReplenishmentProgressV1 = z.infer<typeof replenishmentProgressV1>;

/**
 * Saga command `catalog.place-purchase-order` version 1: orders the replenishment's units from
 * the product's supplier through the supplier port, idempotent by replenishment id (the supplier
 * sees it as the order's idempotency key, so a resend after a crash places one order). A failed
 * call is retried with backoff inside the command's deadline; a refusal, or a supplier still
 * unreachable after the retries, is refused with the reason, and the (forward-only) saga is
 * parked for an operator.
 */
export const placePurchaseOrderV1 = defineSagaCommand(
  'catalog.place-purchase-order',
  1,
  replenishmentPayloadV1,
);

export const placePurchaseOrderResultV1 = replenishmentProgressV1.extend({
  supplierOrderId: z.string().min(1).max(128),
});
export type PlacePurchaseOrderResultV1 = z.infer<typeof placePurchaseOrderResultV1>;

/**
 * Saga command `catalog.await-goods` version 1: answered when goods of the purchase order have
 * arrived that are not stocked yet (or nothing is outstanding any more). Until then the reply is
 * deferred: catalog answers it in the transaction that records the delivery. Result: progress.
 */
export const awaitGoodsV1 = defineSagaCommand('catalog.await-goods', 1, replenishmentPayloadV1);

/**
 * Saga command `catalog.stock-goods` version 1: adds every received, not yet stocked unit to the
 * product's stock on hand, once. A refusal (the product's stock row is gone, on hand would
 * overflow) parks the saga for manual intervention; an operator's retry runs it again.
 * Result: progress.
 */
export const stockGoodsV1 = defineSagaCommand('catalog.stock-goods', 1, replenishmentPayloadV1);

/**
 * Saga command `catalog.close-replenishment` version 1: closes the replenishment (RECEIVED, or
 * SHORT_CLOSED when the supplier left units outstanding after the deliveries the saga waits for),
 * so the product can get its next one; a product still below its threshold gets it at once.
 */
export const closeReplenishmentV1 = defineSagaCommand(
  'catalog.close-replenishment',
  1,
  replenishmentPayloadV1,
);

export const closeReplenishmentResultV1 = replenishmentProgressV1.extend({
  status: z.enum(['RECEIVED', 'SHORT_CLOSED']),
  /** The replenishment opened at close because the product is still low; null otherwise. */
  nextReplenishmentId: replenishmentId.nullable(),
});
export type CloseReplenishmentResultV1 = z.infer<typeof closeReplenishmentResultV1>;

/**
 * `catalog.goods-received` version 1, on `catalog.events` keyed by product id: a delivery of a
 * replenishment's purchase order arrived (recorded once per supplier delivery id).
 */
export const goodsReceivedDataV1 = replenishmentProgressV1.extend({
  replenishmentId,
  productId: z.string().min(1).max(64),
  supplierOrderId: z.string().min(1).max(128),
  deliveryId: z.string().min(1).max(128),
  /** Units in this delivery. */
  quantity: z.number().int().positive(),
});
export const goodsReceivedV1 = defineContract('catalog.goods-received', 1, goodsReceivedDataV1);
export type GoodsReceivedV1 = z.infer<typeof goodsReceivedDataV1>;

/**
 * `catalog.replenishment-retry-requested` version 1, on `catalog.events` keyed by product id: an
 * admin asked to retry a parked replenishment. The orchestrator resends the parked saga's
 * outstanding command once.
 */
export const replenishmentRetryRequestedDataV1 = z.object({
  replenishmentId,
  productId: z.string().min(1).max(64),
  /** The admin's user id. */
  requestedBy: z.string().min(1).max(64),
});
export const replenishmentRetryRequestedV1 = defineContract(
  'catalog.replenishment-retry-requested',
  1,
  replenishmentRetryRequestedDataV1,
);
export type ReplenishmentRetryRequestedV1 = z.infer<typeof replenishmentRetryRequestedDataV1>;
