import type { MikroORM } from '@mikro-orm/core';
import { BadUserInputError } from '@shop/platform';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import {
  adjustmentProblems,
  planAdjustment,
  type StockAdjustment,
  type StockLevel,
  type SuppliedStockLevel,
} from '../domain/stock.js';
import type { StockRepository } from '../persistence/stock.repository.js';
import type { StockEventWriter } from './stock-events.js';

export interface StockServiceOptions {
  /** Whether a product exists (products live in MongoDB); stock is kept for known products only. */
  readonly productExists: (productId: string) => Promise<boolean>;
  /** Called after a change committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
}

/** Stock levels: batched reads for GraphQL and the admin's adjustments. */
export class StockService {
  constructor(
    private readonly orm: MikroORM,
    private readonly repo: StockRepository,
    private readonly events: StockEventWriter,
    private readonly options: StockServiceOptions,
  ) {}

  /** Levels of many products in one query; a product without a stock row is absent. */
  levels(productIds: readonly string[]): Promise<Map<string, StockLevel>> {
    return this.repo.levels(this.orm.em.fork(), productIds);
  }

  /**
   * Sets or shifts a product's on-hand stock, its low-stock threshold and/or its supplier. The row
   * is locked first and the decision taken on its locked values, so a reservation committing
   * meanwhile cannot slip under a new on-hand figure (on hand never drops below reserved). A
   * threshold raised over the available stock opens a replenishment from the supplier the row has
   * after this change.
   */
  async adjust(adjustment: StockAdjustment): Promise<SuppliedStockLevel> {
    // The input's own shape first; whether it fits the reserved units is decided under the lock.
    const problems = adjustmentProblems(adjustment);
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    if (!(await this.options.productExists(adjustment.productId)))
      throw BadUserInputError.fromProblems([{ field: 'productId', message: 'no such product' }]);
    return runTransaction(
      this.orm,
      async (em) => {
        const current = await this.repo.lockForAdjustment(em, adjustment.productId);
        const plan = planAdjustment(current, adjustment);
        // Throwing rolls back the transaction, with the empty row it may just have created.
        if (!plan.ok) throw BadUserInputError.fromProblems(plan.problems);
        const next = { ...plan.next, supplier: adjustment.supplier ?? current.supplier };
        await this.repo.writeAdjustment(em, next);
        await this.events.record(em, current, next);
        return next;
      },
      this.options.afterCommit,
    );
  }
}
