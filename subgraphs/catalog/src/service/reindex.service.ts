import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import type { Product } from '../domain/product.js';
import type { ProductsRepository } from '../persistence/products.repository.js';
import type { SearchCache } from '../persistence/search-cache.js';
import type { SearchIndex } from '../persistence/search-index.js';
import {
  NO_STOCK,
  stockChangedSince,
  type StockViewRepository,
} from '../persistence/stock-view.repository.js';

export interface ReindexReport {
  readonly index: string;
  readonly documents: number;
  readonly caughtUp: number;
  readonly seconds: number;
  readonly docsPerSecond: number;
}

/** Tolerated clock skew between this process and MongoDB/MariaDB for the catch-up window. */
const SKEW_MS = 5000;

/**
 * Full reindex: a new index is filled from MongoDB with bulk requests, the alias is swapped to it
 * atomically, then every product (or stock figure) changed since the fill began is written again,
 * since the indexer wrote those changes to the old index. Document versions make the catch-up
 * safe against the indexer writing the same products at the same time.
 */
export class ReindexService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly stock: StockViewRepository,
    private readonly orm: MikroORM,
    private readonly index: SearchIndex,
    private readonly cache: SearchCache | undefined,
    private readonly logger: Logger,
  ) {}

  async reindex(opts: { pageSize?: number } = {}): Promise<ReindexReport> {
    const t0 = Date.now();
    const since = new Date(t0 - SKEW_MS);
    const target = await this.index.createIndex();
    let documents = 0;
    try {
      // Two bulk requests in flight while the next page is read: reading MongoDB and indexing
      // overlap instead of taking turns.
      const inFlight: Promise<number>[] = [];
      try {
        for await (const page of this.products.scan(opts.pageSize ?? 1000)) {
          inFlight.push(this.write(target, page));
          if (inFlight.length >= 2) documents += await inFlight.shift()!;
        }
        for (const w of inFlight.splice(0)) documents += await w;
      } catch (err) {
        await Promise.allSettled(inFlight);
        throw err;
      }
      await this.index.swap(target);
    } catch (err) {
      this.logger.error({ err, index: target }, 'reindex failed; the alias was not moved');
      throw err;
    }
    let caughtUp = 0;
    for await (const page of this.products.scan(1000, since))
      caughtUp += await this.write(target, page);
    const stockIds = await stockChangedSince(this.orm.em.fork(), since);
    for (let i = 0; i < stockIds.length; i += 1000) {
      const found = await this.products.byIds(stockIds.slice(i, i + 1000));
      caughtUp += await this.write(target, [...found.values()]);
    }
    await this.cache?.invalidate().catch((err: unknown) => {
      this.logger.warn({ err }, 'cache not invalidated after reindex; entries expire by TTL');
    });
    const seconds = (Date.now() - t0) / 1000;
    const report = {
      index: target,
      documents,
      caughtUp,
      seconds,
      docsPerSecond: Math.round(documents / Math.max(seconds, 0.001)),
    };
    this.logger.info(report, 'reindex done');
    return report;
  }

  private async write(index: string, page: readonly Product[]): Promise<number> {
    const stock = await this.stock.of(
      this.orm.em.fork(),
      page.map((p) => p.id),
    );
    return this.index.bulk(
      index,
      page.map((product) => {
        const s = stock.get(product.id) ?? NO_STOCK;
        return { product, available: s.available, stockSeq: s.seq };
      }),
    );
  }
}
