import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/mysql';
import type { CartLine } from '../domain/cart.js';
import { CartEntity } from './cart.entity.js';

/** A cart row as the service sees it; `version` 0 and no row are the same: never written. */
export interface StoredCart {
  readonly id: string;
  readonly userId: string | null;
  readonly lines: readonly CartLine[];
  readonly version: number;
}

const toStored = (c: {
  id: string;
  userId?: string | null;
  lines: CartLine[];
  version: number;
}): StoredCart => ({ id: c.id, userId: c.userId ?? null, lines: c.lines, version: c.version });

/** Reads and conditionally writes cart rows; every write names the version it was computed from. */
export class CartRepository {
  constructor(private readonly em: EntityManager) {}

  async byIds(ids: readonly string[]): Promise<Map<string, StoredCart>> {
    const rows = await this.em.fork().find(CartEntity, { id: { $in: [...ids] } });
    return new Map(rows.map((r) => [r.id, toStored(r)]));
  }

  async byUserIds(userIds: readonly string[]): Promise<Map<string, StoredCart>> {
    const rows = await this.em.fork().find(CartEntity, { userId: { $in: [...userIds] } });
    return new Map(rows.map((r) => [r.userId as string, toStored(r)]));
  }

  /**
   * Writes `lines` if the row is still at `from.version` (0: the row must not exist yet) and
   * returns false when another write got there first: the caller re-reads and recomputes. This is
   * what stops a lost update: two edits computed from the same version cannot both land.
   */
  async write(from: StoredCart, lines: readonly CartLine[], em = this.em.fork()): Promise<boolean> {
    if (from.version === 0) {
      try {
        await em.insert(CartEntity, {
          id: from.id,
          userId: from.userId,
          lines: [...lines],
          version: 1,
          updatedAt: new Date(),
        });
        return true;
      } catch (err) {
        if (err instanceof UniqueConstraintViolationException) return false;
        throw err;
      }
    }
    const changed = await em.nativeUpdate(
      CartEntity,
      { id: from.id, version: from.version },
      { lines: [...lines], version: from.version + 1, updatedAt: new Date() },
    );
    return changed === 1;
  }

  /** Deletes the row if still at `version`; false when it changed or is gone. */
  async remove(id: string, version: number, em = this.em.fork()): Promise<boolean> {
    return (await em.nativeDelete(CartEntity, { id, version })) === 1;
  }

  /** Runs `work` in one transaction; `work` returns false to roll back (a lost race). */
  async atomically(work: (em: EntityManager) => Promise<boolean>): Promise<boolean> {
    const lost = new Error('lost race');
    try {
      return await this.em.fork().transactional(async (em) => {
        if (!(await work(em))) throw lost;
        return true;
      });
    } catch (err) {
      if (err === lost) return false;
      throw err;
    }
  }
}
