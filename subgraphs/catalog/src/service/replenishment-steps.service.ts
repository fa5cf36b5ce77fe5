import type { EntityManager, MikroORM } from '@mikro-orm/core';
import {
  closed,
  judgeAwait,
  judgePlacement,
  placed,
  placementSupplier,
  planStocking,
  progressOf,
  withoutAttention,
  type AwaitingStep,
  type Replenishment,
  type ReplenishmentProgress,
  type ReplenishmentStatus,
} from '../domain/replenishment.js';
import { planAdjustment, type StockLevel } from '../domain/stock.js';
import type { ReplenishmentRepository } from '../persistence/replenishment.repository.js';
import type { StockRepository } from '../persistence/stock.repository.js';
import { retryingCall, type CallAnswer, type RetryingCallOptions } from './retrying-call.js';
import type { StockEventWriter } from './stock-events.js';
import type { PlacedOrder, PlaceOrderAnswer, SupplierPort } from './supplier-port.js';

/** A step that changed nothing, and why. */
export interface Refused {
  readonly outcome: 'refused';
  readonly reason: string;
}

/** What a step did: its result, or a refusal. */
export type StepResult<R> = { readonly outcome: 'done'; readonly result: R } | Refused;

/**
 * A placement whose calls got no answer: the supplier may hold the order, so the step neither
 * succeeded nor refused (the saga resends it, then parks).
 */
export interface OutcomeUnknown {
  readonly outcome: 'unknown';
  readonly reason: string;
}

/** An await also may have nothing to answer yet. */
export type AwaitResult = StepResult<ReplenishmentProgress> | { readonly outcome: 'waiting' };

export interface ClosedReplenishment extends ReplenishmentProgress {
  readonly status: ReplenishmentStatus;
  /** The replenishment opened at close because the product is still low. */
  readonly nextReplenishmentId: string | null;
}

/** A replenishment with its product's stock level (undefined: no stock row), both locked. */
interface Stocked {
  readonly replenishment: Replenishment;
  readonly level: StockLevel | undefined;
}

const refused = (reason: string): Refused => ({ outcome: 'refused', reason });
const done = <R>(result: R) => ({ outcome: 'done', result }) as const;

const toCallAnswer = (a: PlaceOrderAnswer): CallAnswer<PlacedOrder> =>
  a.ok
    ? { ok: true, value: { supplierOrderId: a.supplierOrderId, placedAt: a.placedAt } }
    : { ok: false, retry: a.refusal === 'unavailable', message: a.message };

/**
 * The replenishment saga's steps on catalog's side, each inside the saga participant's transaction
 * (which has claimed the step's log row first, and records the reply with the change). Lock order:
 * the participant's log row, the product's stock row, then the replenishment row.
 */
export class ReplenishmentSteps {
  constructor(
    /** For the supplier pin, committed on its own before a placement calls the supplier. */
    private readonly orm: MikroORM,
    private readonly repo: ReplenishmentRepository,
    private readonly stock: StockRepository,
    private readonly events: StockEventWriter,
    private readonly supplier: SupplierPort,
    /** How the supplier is called when placing an order. */
    private readonly supplierCalls: RetryingCallOptions = {},
  ) {}

  /**
   * Orders the replenishment's units from the product's supplier, once: the replenishment id is the
   * order's idempotency key, and a replenishment that has its order answers with it. The supplier
   * is the product's as it is now (an operator may have named another after a refusal, then
   * retried), unless an earlier call went unanswered (`placementSupplier`). Each call has its
   * deadline and an `unavailable` answer or a missed deadline is tried again with backoff, all
   * within the retry helper's budget; the replenishment row stays locked meanwhile, so a resent
   * command waits for this one instead of ordering twice.
   * - A refusal, or a supplier that kept answering `unavailable`, is refused with the reason and
   *   changes nothing: nothing was ordered, so a retry may go to another supplier.
   * - A call that got no answer may have placed the order: the outcome is unknown, nothing is
   *   replied, the supplier stays pinned (see `pinSupplier`) and the saga resends the step to it,
   *   then parks; its first definitive answer under the key settles it.
   */
  async placeOrderWithin(
    em: EntityManager,
    id: string,
  ): Promise<StepResult<ReplenishmentProgress & { supplierOrderId: string }> | OutcomeUnknown> {
    await this.pinSupplier(id);
    const r = await this.repo.lock(em, id);
    if (r === undefined) return refused(`no replenishment ${id}`);
    const verdict = judgePlacement(r);
    switch (verdict.kind) {
      case 'placed':
        return done({ ...progressOf(r), supplierOrderId: verdict.supplierOrderId });
      case 'refused':
        return refused(verdict.reason);
      case 'place':
        break;
    }
    // Pinned by pinSupplier (committed): the supplier this key may already be with.
    const supplier = r.supplier;
    const answer = await retryingCall(
      async (signal) =>
        toCallAnswer(
          await this.supplier.placeOrder(
            { idempotencyKey: r.id, supplier, productId: r.productId, quantity: r.ordered },
            signal,
          ),
        ),
      this.supplierCalls,
    );
    if (!answer.ok && answer.uncertain)
      return {
        outcome: 'unknown',
        reason: `supplier ${supplier} gave no answer in ${answer.attempts} attempts (${answer.message}); it may hold the order`,
      };
    // A definitive answer: nothing is held under the key, so the pin (if any) goes; the refusal
    // reply commits with it and a retry may name another supplier.
    if (!answer.ok) await this.repo.write(em, { ...r, placementUncertain: false });
    if (!answer.ok)
      return refused(
        answer.exhausted
          ? `supplier ${supplier} did not take the purchase order in ${answer.attempts} attempts: ${answer.message}`
          : answer.message,
      );
    const next = placed(r, { supplier, ...answer.value });
    await this.repo.write(em, next);
    return done({ ...progressOf(next), supplierOrderId: answer.value.supplierOrderId });
  }

  /**
   * Commits, in a transaction of its own and before any call, which supplier this placement goes
   * to, marked `placementUncertain` (a call may be under way): the product's supplier as it is
   * now, unless an earlier call to the pinned one may have placed the order. The placement's own
   * transaction commits only after the supplier answered, so a crash or rollback after the
   * supplier took the order would otherwise lose which supplier holds it, and a resend after an
   * operator named another supplier would order twice under one key. Only a definitive answer
   * lifts the pin (with the placement's reply). Runs before the placement locks the row, on a
   * fresh entity manager (not the participant's transaction, whose commit comes later).
   */
  private async pinSupplier(id: string): Promise<void> {
    await this.orm.em.fork({ disableContextResolution: true }).transactional(async (em) => {
      const r = await this.repo.lock(em, id);
      if (r === undefined || judgePlacement(r).kind !== 'place' || r.placementUncertain) return;
      const supplier = placementSupplier(r, await this.stock.supplierOf(em, r.productId));
      await this.repo.write(em, { ...r, supplier, placementUncertain: true });
    });
  }

  /**
   * Answers at once when received goods wait to be stocked or nothing more is expected; otherwise
   * records which saga step waits (goods inward answers it in the transaction that records the
   * next delivery) and answers nothing yet. A wait that is resent finds the goods, or waits again.
   */
  async awaitGoodsWithin(em: EntityManager, id: string, step: AwaitingStep): Promise<AwaitResult> {
    const r = await this.repo.lock(em, id);
    if (r === undefined) return refused(`no replenishment ${id}`);
    const verdict = judgeAwait(r);
    switch (verdict.kind) {
      case 'refused':
        return refused(verdict.reason);
      case 'answer':
        await this.write(
          r,
          withoutAttention(r.awaiting === null ? r : { ...r, awaiting: null }),
          em,
        );
        return done(progressOf(r));
      case 'wait':
        await this.write(r, { ...r, awaiting: step }, em);
        return { outcome: 'waiting' };
    }
  }

  /**
   * Adds every received, not yet stocked unit to the product's stock on hand, once (a repeat finds
   * nothing left to stock), and publishes the stock change. Refused, changing nothing, when the
   * product's stock row is gone or on hand would overflow: the saga parks and an operator's retry
   * runs this again.
   */
  async stockGoodsWithin(
    em: EntityManager,
    id: string,
  ): Promise<StepResult<ReplenishmentProgress>> {
    const locked = await this.lockWithStock(em, id);
    if ('reason' in locked) return locked;
    const stocked = await this.stockReceived(em, locked.replenishment, locked.level);
    if ('reason' in stocked) return stocked;
    const next = withoutAttention(stocked.replenishment);
    await this.write(locked.replenishment, next, em);
    return done(progressOf(next));
  }

  /**
   * Closes the replenishment (RECEIVED, or SHORT_CLOSED with units outstanding), stocking first
   * any units a delivery brought after the last stock step (so none are lost), and frees the
   * product for its next one: a product still below its threshold gets it at once, with its
   * `catalog.stock-low`. A closed replenishment answers what it closed as.
   */
  async closeWithin(em: EntityManager, id: string): Promise<StepResult<ClosedReplenishment>> {
    const locked = await this.lockWithStock(em, id, { stockRowRequired: false });
    if ('reason' in locked) return locked;
    const { replenishment: r, level } = locked;
    if (!r.open) return done({ ...progressOf(r), status: r.status, nextReplenishmentId: null });
    const stocked = await this.stockReceived(em, r, level);
    if ('reason' in stocked) return stocked;
    const next = withoutAttention(closed(stocked.replenishment));
    await this.write(r, next, em);
    const nextReplenishmentId =
      stocked.level === undefined ? undefined : await this.events.reopenIfLow(em, stocked.level);
    return done({
      ...progressOf(next),
      status: next.status,
      nextReplenishmentId: nextReplenishmentId ?? null,
    });
  }

  /**
   * Locks the replenishment's product's stock row, then the replenishment (the lock order of every
   * transaction that takes both). The product id is read first without a lock: it never changes.
   */
  private async lockWithStock(
    em: EntityManager,
    id: string,
    { stockRowRequired }: { stockRowRequired: boolean } = { stockRowRequired: true },
  ): Promise<Stocked | Refused> {
    const productId = (await this.repo.find(em, id))?.productId;
    if (productId === undefined) return refused(`no replenishment ${id}`);
    const level = (await this.stock.lockedLevels(em, [productId])).get(productId);
    if (level === undefined && stockRowRequired) return refused(stockRowGone(productId));
    const replenishment = await this.repo.lock(em, id);
    if (replenishment === undefined) return refused(`no replenishment ${id}`);
    return { replenishment, level };
  }

  /**
   * Puts the received, unstocked units on the shelf through the admin's adjustment rules (on hand
   * within its bounds) and the stock events; the replenishment and level after it.
   */
  private async stockReceived(
    em: EntityManager,
    r: Replenishment,
    level: StockLevel | undefined,
  ): Promise<Stocked | Refused> {
    const plan = planStocking(r);
    if (plan.units === 0) return { replenishment: r, level };
    if (level === undefined) return refused(stockRowGone(r.productId));
    const adjusted = planAdjustment(level, { productId: r.productId, addOnHand: plan.units });
    if (!adjusted.ok)
      return refused(
        `cannot stock ${plan.units} received units of ${r.productId}: ${adjusted.problems
          .map((p) => p.message)
          .join('; ')}`,
      );
    await this.stock.writeAdjustment(em, adjusted.next);
    await this.repo.markReceiptsStocked(em, r.id);
    await this.events.record(em, level, adjusted.next);
    return { replenishment: plan.next, level: adjusted.next };
  }

  private async write(before: Replenishment, after: Replenishment, em: EntityManager) {
    if (after !== before) await this.repo.write(em, after);
  }
}

const stockRowGone = (productId: string): string =>
  `the stock row of product ${productId} is gone; restore it, then retry`;
