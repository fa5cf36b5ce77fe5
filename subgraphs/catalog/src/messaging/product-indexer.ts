import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { IdempotentConsumer, type KafkaBus } from '@shop/messaging';
import { assertNever, type Logger } from '@shop/platform';
import { productUpsertedV1, stockChangedV1, TOPICS, type DecodedOf } from '@shop/schema';
import type { ProductCache } from '../persistence/product-cache.js';
import type { ProductsRepository } from '../persistence/products.repository.js';
import type { SearchCache } from '../persistence/search-cache.js';
import type { SearchIndex } from '../persistence/search-index.js';
import { NO_STOCK, type StockViewRepository } from '../persistence/stock-view.repository.js';

export const INDEXER_GROUP = 'catalog-indexer';

const CONTRACTS = [productUpsertedV1, stockChangedV1] as const;
type IndexerContract = (typeof CONTRACTS)[number];

export interface ProductIndexerOptions {
  readonly bus: KafkaBus;
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly products: ProductsRepository;
  readonly stock: StockViewRepository;
  readonly index: SearchIndex;
  readonly cache: SearchCache | undefined;
  /** Refreshed from every product event (see ProductCache). */
  readonly productCache?: ProductCache;
  /** @default 'catalog-indexer' */
  readonly groupId?: string;
  /** @default 'catalog.events' */
  readonly topic?: string;
}

/**
 * Keeps the search index in step with `catalog.events`. A product event is a notice ("product X
 * is at revision N"): the handler reads the product's current state from MongoDB and writes all of
 * it, so a lost intermediate event or a redelivery changes nothing, and the document version
 * (revision, stock sequence) keeps an older write from winning. A stock event updates the stock
 * figure in this consumer's own table (inside the inbox transaction) and rewrites the document.
 *
 * The cache is invalidated after the write is searchable and before the message counts as handled;
 * if Redis does not answer, the handler fails and the message is retried. A product event also
 * puts the product's current revision in the product cache, the same way.
 */
export function createProductIndexer(
  o: ProductIndexerOptions,
): IdempotentConsumer<IndexerContract> {
  const reindex = async (em: EntityManager, productId: string): Promise<void> => {
    const product = await o.products.byId(productId);
    if (product === undefined) return;
    await o.productCache?.put(product);
    const stock = (await o.stock.of(em, [productId])).get(productId) ?? NO_STOCK;
    await o.index.put({ product, available: stock.available, stockSeq: stock.seq });
    await o.cache?.invalidate();
  };
  return new IdempotentConsumer<IndexerContract>({
    bus: o.bus,
    orm: o.orm,
    logger: o.logger,
    groupId: o.groupId ?? INDEXER_GROUP,
    topics: [o.topic ?? TOPICS.catalogEvents],
    contracts: CONTRACTS,
    // Events of other kinds on catalog.events (low stock, ...) are not ours: skip, do not DLQ.
    skipOtherTypes: true,
    handle: async (decoded: DecodedOf<IndexerContract>, { em }) => {
      switch (decoded.contract.name) {
        case 'catalog.product-upserted@1': {
          const { productId } = decoded.envelope.data as { productId: string };
          await reindex(em, productId);
          return;
        }
        case 'catalog.stock-changed@1': {
          const { productId, available } = decoded.envelope.data as {
            productId: string;
            available: number;
          };
          await o.stock.record(em, productId, available);
          await reindex(em, productId);
          return;
        }
        default:
          assertNever(decoded.contract);
      }
    },
  });
}
