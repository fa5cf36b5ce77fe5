import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import {
  judgeCommit,
  judgeRelease,
  judgeRepeatReserve,
  normalizeReservation,
  shortageReason,
  unitsOf,
  type ReservationLine,
  type ReserveOutcome,
  type SettleOutcome,
  type SettleVerdict,
  type Shortage,
} from '../domain/reservation.js';
import { availableOf, emptyStock, type StockLevel } from '../domain/stock.js';
import type { StockRepository } from '../persistence/stock.repository.js';
import type { StockEventWriter } from './stock-events.js';

/** Thrown inside the reserve's savepoint to undo its partial holds; never leaves this file. */
class ReserveRefused extends Error {
  constructor(readonly outcome: Extract<ReserveOutcome, { outcome: 'refused' }>) {
    super(outcome.reason);
  }
}

/** Rounds of a release or commit racing a reserve of the same order before it gives up. */
const SETTLE_ROUNDS = 3;

/**
 * Reservations of stock by order: reserve (all lines or none), release and commit, each
 * idempotent by order id. The `…Within` methods run inside the caller's transaction (the saga
 * participant's, which also records its log row, inbox row and reply); the others run in their
 * own.
 *
 * No oversell, under any concurrency: a line is held by one conditional UPDATE
 * (`reserved = reserved + q WHERE on_hand - reserved >= q`, `StockRepository.hold`) that InnoDB
 * evaluates on the row's latest version under its exclusive lock, so concurrent holds of the last
 * units serialise on the row and the losers see the new `reserved` and match nothing. No value is
 * read and written back. A multi-line reserve holds its lines in product-id order, so two reserves
 * never wait on each other in a cycle, inside a savepoint that is rolled back when any line is
 * short: nothing of a refused reserve survives, while the surrounding transaction still commits
 * the refusal's reply. Locks are kept until the outer commit (InnoDB keeps them past a savepoint
 * rollback), which only means a refused reserve holds its rows a little longer.
 */
export class ReservationService {
  constructor(
    private readonly orm: MikroORM,
    private readonly repo: StockRepository,
    private readonly events: StockEventWriter,
    private readonly afterCommit?: () => void,
  ) {}

  reserve(orderId: string, lines: readonly ReservationLine[]): Promise<ReserveOutcome> {
    return runTransaction(
      this.orm,
      (em) => this.reserveWithin(em, orderId, lines),
      this.afterCommit,
    );
  }

  release(orderId: string): Promise<SettleOutcome> {
    return runTransaction(this.orm, (em) => this.releaseWithin(em, orderId), this.afterCommit);
  }

  commit(orderId: string): Promise<SettleOutcome> {
    return runTransaction(this.orm, (em) => this.commitWithin(em, orderId), this.afterCommit);
  }

  /** Holds every line for the order, or none; the same order and lines again hold nothing more. */
  async reserveWithin(
    em: EntityManager,
    orderId: string,
    requested: readonly ReservationLine[],
  ): Promise<ReserveOutcome> {
    const normalized = normalizeReservation(orderId, requested);
    if (!normalized.ok)
      return {
        outcome: 'refused',
        reason: `invalid reservation: ${normalized.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        shortages: [],
      };
    const { lines } = normalized;
    try {
      // Nested in a running transaction this is a savepoint; alone, a transaction of its own.
      return await em.transactional(async (tx) => {
        // The order's row is claimed first: a concurrent reserve of the same order waits here
        // for this one to commit or roll back, then finds the row (or, after a rollback, claims it).
        if (!(await this.repo.createReservation(tx, orderId, 'held'))) {
          const existing = await this.repo.reservation(tx, orderId);
          if (existing === undefined) throw new Error(`reservation ${orderId} vanished`);
          return judgeRepeatReserve(orderId, existing, lines);
        }
        const short: ReservationLine[] = [];
        for (const line of lines)
          if (!(await this.repo.hold(tx, line.productId, line.quantity))) short.push(line);
        if (short.length > 0) {
          const now = await this.repo.lockedLevels(
            tx,
            short.map((l) => l.productId),
          );
          const shortages: Shortage[] = short.map((l) => ({
            productId: l.productId,
            wanted: l.quantity,
            available: availableOf(now.get(l.productId) ?? emptyStock(l.productId)),
          }));
          throw new ReserveRefused({
            outcome: 'refused',
            reason: shortageReason(shortages),
            shortages,
          });
        }
        await this.repo.addLines(tx, orderId, lines);
        await this.recordChanges(tx, lines, (after, q) => ({
          ...after,
          reserved: after.reserved - q,
        }));
        return { outcome: 'reserved', lines, units: unitsOf(lines), repeated: false } as const;
      });
    } catch (err) {
      if (err instanceof ReserveRefused) return err.outcome;
      throw err;
    }
  }

  /** Gives back what the order holds, once; an order holding nothing is a no-op. */
  async releaseWithin(em: EntityManager, orderId: string): Promise<SettleOutcome> {
    // The order's row is locked (or created as a `released` marker) before anything else reads
    // it: concurrent releases then queue on the row instead of deadlocking on its gap.
    await this.repo.lockReservation(em, orderId, 'released');
    return this.settle(em, orderId, {
      to: 'released',
      apply: (tx, line) => this.repo.unhold(tx, line.productId, line.quantity),
      before: (after, q) => ({ ...after, reserved: after.reserved + q }),
      // An order with no row held nothing: lockReservation left a `released` marker, which makes a
      // later reserve of the order (a command overtaken by its own compensation) a refusal rather
      // than stock held forever. The row exists and is ours, so it is judged by its status.
      whenMissing: () => Promise.resolve(undefined),
      // The row was locked above: it cannot be missing (reservations are never deleted).
      judge: (status) => (status === undefined ? { kind: 'retry' } : judgeRelease(orderId, status)),
    });
  }

  /** Turns the order's reservation into a sale, once. */
  commitWithin(em: EntityManager, orderId: string): Promise<SettleOutcome> {
    return this.settle(em, orderId, {
      to: 'committed',
      apply: (tx, line) => this.repo.sell(tx, line.productId, line.quantity),
      before: (after, q) => ({ ...after, onHand: after.onHand + q, reserved: after.reserved + q }),
      whenMissing: () => Promise.resolve(undefined),
      judge: (status) => judgeCommit(orderId, status),
    });
  }

  /**
   * Undoes a cancelled order's stock, once: a committed (sold) reservation's units go back on
   * hand; one still only held is released; an order holding nothing is a no-op (and gets the
   * `released` marker, so a late reserve of it is refused). The order's row is locked first, then
   * the conditional `committed → released` UPDATE is the claim: of concurrent restocks one moves
   * the row and the stock, the others wait for its lock and find it released. A restocked
   * reservation ends `released`, like a released one: nothing is held or sold for the order any
   * more, so a later commit is refused and a later release or restock changes nothing.
   */
  async restockWithin(em: EntityManager, orderId: string): Promise<SettleOutcome> {
    await this.repo.lockReservation(em, orderId, 'released');
    if (await this.repo.transition(em, orderId, 'committed', 'released')) {
      const lines = await this.repo.lines(em, orderId);
      for (const line of lines) await this.repo.restock(em, line.productId, line.quantity);
      await this.recordChanges(em, lines, (after, q) => ({ ...after, onHand: after.onHand - q }));
      return { outcome: 'done', units: unitsOf(lines) };
    }
    return this.releaseWithin(em, orderId);
  }

  /**
   * Moves a held reservation to `to` and applies it to each line's stock, or, when nothing was
   * held, answers from what the order's row says. The conditional `held → to` UPDATE is the claim:
   * of concurrent releases/commits of one order exactly one moves the row and the stock; the
   * others wait for its lock, then match nothing and answer from the new status.
   */
  private async settle(
    em: EntityManager,
    orderId: string,
    how: {
      to: 'released' | 'committed';
      apply: (em: EntityManager, line: ReservationLine) => Promise<void>;
      before: (after: StockLevel, quantity: number) => StockLevel;
      whenMissing: (em: EntityManager) => Promise<SettleVerdict | undefined>;
      judge: (status: 'held' | 'committed' | 'released' | undefined) => SettleVerdict;
    },
  ): Promise<SettleOutcome> {
    for (let round = 0; round < SETTLE_ROUNDS; round++) {
      if (await this.repo.transition(em, orderId, 'held', how.to)) {
        const lines = await this.repo.lines(em, orderId);
        for (const line of lines) await how.apply(em, line);
        await this.recordChanges(em, lines, how.before);
        return { outcome: 'done', units: unitsOf(lines) };
      }
      const verdict =
        (await how.whenMissing(em)) ??
        how.judge((await this.repo.reservation(em, orderId))?.status);
      switch (verdict.kind) {
        case 'done':
          return { outcome: 'done', units: 0 };
        case 'refused':
          return { outcome: 'refused', reason: verdict.reason };
        case 'retry':
          continue;
      }
    }
    throw new Error(`the reservation of order ${orderId} kept changing; try again`);
  }

  /** One stock-changed (and maybe stock-low) event per line, from the locked rows after the change. */
  private async recordChanges(
    em: EntityManager,
    lines: readonly ReservationLine[],
    before: (after: StockLevel, quantity: number) => StockLevel,
  ): Promise<void> {
    const after = await this.repo.lockedLevels(
      em,
      lines.map((l) => l.productId),
    );
    for (const line of lines) {
      const level = after.get(line.productId);
      if (level === undefined) throw new Error(`stock row ${line.productId} missing`);
      await this.events.record(em, before(level, line.quantity), level);
    }
  }
}
