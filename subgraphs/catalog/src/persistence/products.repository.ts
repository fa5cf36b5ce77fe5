import {
  MongoBulkWriteError,
  MongoServerError,
  type Collection,
  type Db,
  type Filter,
} from 'mongodb';
import type { Product, ProductStatus } from '../domain/product.js';

/**
 * The event a product change owes `catalog.events`, stored inside the product document by the
 * same atomic write as the change. The relay publishes it and clears it only if it is still the
 * same event (`id`), so a newer change written meanwhile is never cleared unpublished.
 *
 * One slot, not a list: the event says "product X is now at revision N" and consumers read the
 * current state, so a newer change supersedes an unpublished older one and the document never
 * grows while Kafka is down.
 */
export interface PendingProductEvent {
  /** The envelope id: the same on every publish attempt, so consumers deduplicate retries. */
  readonly id: string;
  readonly revision: number;
  readonly occurredAt: Date;
  readonly correlationId: string | null;
}

interface ProductDocument {
  _id: string;
  sku: string;
  title: string;
  description: string;
  brand: string | null;
  categoryPath: string[];
  attributes: Record<string, string>;
  priceCents: number;
  currency: string;
  images: string[];
  rating: number | null;
  status: ProductStatus;
  createdAt: Date;
  updatedAt: Date;
  revision: number;
  pendingEvent?: PendingProductEvent;
}

const toProduct = (d: ProductDocument): Product => ({
  id: d._id,
  sku: d.sku,
  title: d.title,
  description: d.description ?? '',
  brand: d.brand ?? null,
  categoryPath: d.categoryPath ?? [],
  attributes: d.attributes ?? {},
  priceCents: d.priceCents,
  currency: d.currency ?? 'USD',
  images: d.images ?? [],
  rating: d.rating ?? null,
  status: d.status ?? 'ACTIVE',
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  revision: d.revision ?? 0,
});

const toDocument = (p: Product): Omit<ProductDocument, 'pendingEvent'> => {
  const { id, ...rest } = p;
  return {
    _id: id,
    ...rest,
    categoryPath: [...p.categoryPath],
    attributes: { ...p.attributes },
    images: [...p.images],
  };
};

/** A product whose pending event the relay owes Kafka. */
export interface ProductWithPendingEvent {
  readonly productId: string;
  readonly event: PendingProductEvent;
}

export class DuplicateProductError extends Error {
  constructor(readonly field: 'id' | 'sku') {
    super(`duplicate product ${field}`);
  }
}

/** Products in MongoDB (FerretDB locally). Every write is one atomic single-document operation. */
export class ProductsRepository {
  private readonly products: Collection<ProductDocument>;

  constructor(db: Db) {
    this.products = db.collection<ProductDocument>('products');
  }

  /** The indexes the catalog's queries need (idempotent). */
  async ensureIndexes(): Promise<void> {
    await this.products.createIndex({ sku: 1 }, { unique: true });
    // The relay's scan for unpublished events, and the reindex's catch-up by change time.
    await this.products.createIndex({ 'pendingEvent.id': 1 }, { sparse: true });
    await this.products.createIndex({ updatedAt: 1 });
  }

  /** One `find` with `$in` for any number of ids. */
  async byIds(ids: readonly string[]): Promise<Map<string, Product>> {
    const docs = await this.products
      .find({ _id: { $in: [...ids] } }, { projection: { pendingEvent: 0 } })
      .toArray();
    return new Map(docs.map((d) => [d._id, toProduct(d)]));
  }

  async byId(id: string): Promise<Product | undefined> {
    return (await this.byIds([id])).get(id);
  }

  async count(): Promise<number> {
    return this.products.estimatedDocumentCount();
  }

  /** Inserts a new product with its pending event; a taken id or sku is a DuplicateProductError. */
  async insert(product: Product, event: PendingProductEvent): Promise<void> {
    try {
      await this.products.insertOne({ ...toDocument(product), pendingEvent: event });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000)
        throw new DuplicateProductError(/sku/.test(err.message) ? 'sku' : 'id');
      throw err;
    }
  }

  /**
   * Replaces a product if it is still at `expectedRevision` (optimistic concurrency), together
   * with its pending event, in one document write. False when another write got there first.
   */
  async replaceIfRevision(
    product: Product,
    expectedRevision: number,
    event: PendingProductEvent,
  ): Promise<boolean> {
    const { _id, ...fields } = toDocument(product);
    try {
      const res = await this.products.updateOne(
        { _id, revision: expectedRevision },
        { $set: { ...fields, pendingEvent: event } },
      );
      return res.matchedCount === 1;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000)
        throw new DuplicateProductError('sku');
      throw err;
    }
  }

  /** Creates or replaces a product as it is, owing no event (test and demo data). */
  async put(product: Product): Promise<void> {
    const { _id, ...fields } = toDocument(product);
    await this.products.replaceOne({ _id }, fields, { upsert: true });
  }

  /** Up to `limit` products that owe an event, oldest change first. */
  async withPendingEvents(limit: number): Promise<ProductWithPendingEvent[]> {
    const docs = await this.products
      .find({ pendingEvent: { $exists: true } } as Filter<ProductDocument>, {
        projection: { pendingEvent: 1 },
      })
      .limit(limit)
      .toArray();
    return docs
      .filter((d): d is typeof d & { pendingEvent: PendingProductEvent } => !!d.pendingEvent)
      .map((d) => ({ productId: d._id, event: d.pendingEvent }))
      .sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime());
  }

  /** Clears a published event, unless a newer change has replaced it meanwhile. */
  async clearPendingEvent(productId: string, eventId: string): Promise<void> {
    await this.products.updateOne(
      { _id: productId, 'pendingEvent.id': eventId },
      { $unset: { pendingEvent: '' } },
    );
  }

  /**
   * Every product (or those changed since `changedSince`), in pages, read through one cursor: the
   * server streams batches while the caller writes the previous page elsewhere.
   */
  async *scan(pageSize = 1000, changedSince?: Date): AsyncGenerator<Product[]> {
    const filter: Filter<ProductDocument> =
      changedSince === undefined ? {} : { updatedAt: { $gte: changedSince } };
    const cursor = this.products
      .find(filter, { projection: { pendingEvent: 0 } })
      .batchSize(pageSize);
    let page: Product[] = [];
    try {
      for await (const doc of cursor) {
        page.push(toProduct(doc));
        if (page.length === pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } finally {
      await cursor.close();
    }
  }

  /**
   * Writes products as they are (seed and generator), skipping ids that exist: running it twice
   * changes nothing. Without `eventFor` no event is owed: a bulk load is followed by a full
   * reindex instead of one event per product.
   */
  async insertMissing(
    products: readonly Product[],
    eventFor?: (p: Product) => PendingProductEvent,
  ): Promise<number> {
    if (products.length === 0) return 0;
    // No lookup first: an unordered insert skips the ids that exist (duplicate key) and writes the
    // rest. (FerretDB answers an `$in` on _id with a full scan, which made a lookup per batch
    // quadratic in the catalog's size.)
    try {
      const res = await this.products.insertMany(
        products.map((p) =>
          eventFor === undefined ? toDocument(p) : { ...toDocument(p), pendingEvent: eventFor(p) },
        ),
        { ordered: false },
      );
      return res.insertedCount;
    } catch (err) {
      const dupOnly =
        err instanceof MongoBulkWriteError &&
        ([] as { code: unknown }[])
          .concat(err.writeErrors as { code: unknown } | { code: unknown }[])
          .every((w) => w.code === 11000);
      if (!dupOnly) throw err;
      return err.result.insertedCount;
    }
  }
}
