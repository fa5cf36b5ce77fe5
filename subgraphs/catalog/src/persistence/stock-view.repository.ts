import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';

export interface StockFigure {
  readonly available: number | null;
  readonly seq: number;
}

/**
 * The last stock figure the indexer saw per product (from `catalog.stock-changed`), so a product
 * document written to the index, by the indexer or a full reindex, carries it.
 */
export class StockViewRepository {
  /** Records a figure; `seq` grows by one per change (the low half of the document version). */
  async record(em: EntityManager, productId: string, available: number): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO search_stock_view (product_id, available, seq) VALUES (?, ?, 1)
       ON DUPLICATE KEY UPDATE available = VALUES(available), seq = seq + 1`,
      [productId, available],
    );
  }

  async of(em: EntityManager, ids: readonly string[]): Promise<Map<string, StockFigure>> {
    if (ids.length === 0) return new Map();
    const rows = await sqlRows<{ product_id: string; available: number; seq: number }>(
      em,
      `SELECT product_id, available, seq FROM search_stock_view WHERE product_id IN (${ids
        .map(() => '?')
        .join(',')})`,
      [...ids],
    );
    return new Map(rows.map((r) => [r.product_id, { available: r.available, seq: Number(r.seq) }]));
  }
}

/** Products whose stock changed since `since` (the reindex catch-up). */
export async function stockChangedSince(em: EntityManager, since: Date): Promise<string[]> {
  const rows = await sqlRows<{ product_id: string }>(
    em,
    'SELECT product_id FROM search_stock_view WHERE updated_at >= ?',
    [since],
  );
  return rows.map((r) => r.product_id);
}

export const NO_STOCK: StockFigure = { available: null, seq: 0 };
