import {
  BadUserInputError,
  ConflictError,
  currentContext,
  NotFoundError,
  type FieldProblem,
} from '@shop/platform';
import {
  newProduct,
  productProblems,
  type Product,
  type ProductDraft,
  type ProductPatch,
  type ProductStatus,
} from '../domain/product.js';
import type { ProductCache } from '../persistence/product-cache.js';
import {
  DuplicateProductError,
  type PendingProductEvent,
  type ProductsRepository,
} from '../persistence/products.repository.js';

/** How often an update retries after losing an optimistic-concurrency race. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * Product use cases. Every change writes the product and the event it owes in one document write
 * (see PendingProductEvent), then puts the new revision in the product cache (when there is one)
 * and wakes the relay.
 */
export class CatalogService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly onChange: () => void = () => undefined,
    private readonly clock: () => Date = () => new Date(),
    private readonly cache?: ProductCache,
  ) {}

  /** Products by id, through the product cache when there is one. */
  byIds(ids: readonly string[]): Promise<Map<string, Product>> {
    return this.cache === undefined
      ? this.products.byIds(ids)
      : this.cache.getMany(ids, (missing) => this.products.byIds(missing));
  }

  async create(draft: ProductDraft): Promise<Product> {
    check(productProblems(draft));
    const product = newProduct(draft, this.clock());
    try {
      await this.products.insert(product, this.eventFor(product));
    } catch (err) {
      if (err instanceof DuplicateProductError)
        throw new ConflictError(`a product with this ${err.field} exists`, { field: err.field });
      throw err;
    }
    await this.cache?.refresh(product);
    this.onChange();
    return product;
  }

  /** Creates the product, or changes the given fields of an existing one (sku defaults to id). */
  async upsert(
    input: Pick<ProductDraft, 'id' | 'title' | 'priceCents'> & { description: string },
  ): Promise<Product> {
    const existing = await this.products.byId(input.id);
    if (existing === undefined) {
      try {
        return await this.create({ ...input, sku: input.id });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    const { id, ...patch } = input;
    return this.update(id, patch);
  }

  update(id: string, patch: ProductPatch): Promise<Product> {
    check(productProblems(patch, true));
    return this.change(id, (p) => applyPatch(p, patch));
  }

  archive(id: string): Promise<Product> {
    return this.change(id, (p) =>
      p.status === 'ARCHIVED' ? undefined : withStatus(p, 'ARCHIVED'),
    );
  }

  restore(id: string): Promise<Product> {
    return this.change(id, (p) => (p.status === 'ACTIVE' ? undefined : withStatus(p, 'ACTIVE')));
  }

  /**
   * Read, apply, write back if nobody wrote meanwhile (compare-and-set on `revision`), else retry
   * on the fresh document. `apply` returning undefined means "nothing to change": no write and no
   * event, so an idempotent call (archive twice) publishes nothing the second time.
   */
  private async change(
    id: string,
    apply: (current: Product) => Omit<Product, 'revision' | 'updatedAt'> | undefined,
  ): Promise<Product> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.products.byId(id);
      if (current === undefined) throw new NotFoundError(`no product ${id}`, { field: 'id' });
      const changed = apply(current);
      if (changed === undefined) return current;
      const next: Product = {
        ...changed,
        revision: current.revision + 1,
        updatedAt: this.clock(),
      };
      try {
        if (await this.products.replaceIfRevision(next, current.revision, this.eventFor(next))) {
          await this.cache?.refresh(next);
          this.onChange();
          return next;
        }
      } catch (err) {
        if (err instanceof DuplicateProductError)
          throw new ConflictError('a product with this sku exists', { field: 'sku' });
        throw err;
      }
      if (attempt >= MAX_WRITE_ATTEMPTS)
        throw new ConflictError(`product ${id} is being changed concurrently; try again`);
    }
  }

  private eventFor(product: Product): PendingProductEvent {
    const ctx = currentContext();
    return {
      id: crypto.randomUUID(),
      revision: product.revision,
      occurredAt: product.updatedAt,
      correlationId: ctx?.correlationId ?? ctx?.requestId ?? null,
    };
  }
}

function check(problems: FieldProblem[]): void {
  if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
}

const withStatus = (p: Product, status: ProductStatus): Product => ({ ...p, status });

function applyPatch(p: Product, patch: ProductPatch): Product {
  const defined = Object.fromEntries(
    Object.entries(patch).filter(([, v]) => v !== undefined),
  ) as ProductPatch;
  return {
    ...p,
    ...defined,
    title: (defined.title ?? p.title).trim(),
    brand: defined.brand === undefined ? p.brand : (defined.brand?.trim() ?? null),
    categoryPath: defined.categoryPath?.map((s) => s.trim()) ?? p.categoryPath,
    rating:
      defined.rating === undefined
        ? p.rating
        : defined.rating === null
          ? null
          : Math.round(defined.rating * 10) / 10,
  };
}
