import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { completeDeferredStep, lockStepExecute, type Outbox } from '@shop/messaging';
import { untilAborted, type Logger } from '@shop/platform';
import { goodsReceivedV1, replenishmentProgressV1 } from '@shop/schema';
import { isDeadlock, runTransaction } from '@shop/subgraph-kit/mikro-orm';
import { progressOf, withoutAttention, type AwaitingStep } from '../domain/replenishment.js';
import type {
  InwardOrder,
  ReplenishmentRepository,
} from '../persistence/replenishment.repository.js';
import type { Delivery, SupplierPort } from './supplier-port.js';

export interface GoodsInwardOptions {
  readonly orm: MikroORM;
  readonly repo: ReplenishmentRepository;
  readonly supplier: SupplierPort;
  readonly outbox: Outbox;
  /** Where `catalog.goods-received` goes. */
  readonly topic: string;
  readonly logger: Logger;
  /** Pause between two rounds (a round never overlaps the next). @default 1000 */
  readonly intervalMs?: number;
  /** Deadline of one call to the supplier. @default 2000 */
  readonly callTimeoutMs?: number;
  /** Replenishments asked about per round, the longest unpolled first. @default 200 */
  readonly batchSize?: number;
  /** Suppliers asked at once within a round (each call has its deadline). @default 8 */
  readonly concurrency?: number;
  /** Called after a delivery's transaction committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
}

/** What recording one delivery did. */
/**
 * `known`: recorded before; `closed`: the replenishment closed; `nothing outstanding`: every
 * ordered unit had arrived, so the delivery is more than was ordered (booked by hand, not here).
 */
export type ReceiptOutcome = 'recorded' | 'known' | 'closed' | 'nothing outstanding';

/**
 * Rounds of a delivery's transaction: one that found a wait for goods begin or end under it, or
 * was a deadlock victim (see `record`), starts over, up to this many times.
 */
const RECORD_ROUNDS = 8;

/** A delivery that can be recorded: an id that fits its column, whole units, a real date. */
const isRecordable = (d: Delivery): boolean =>
  typeof d.deliveryId === 'string' &&
  d.deliveryId.length > 0 &&
  d.deliveryId.length <= 128 &&
  Number.isSafeInteger(d.quantity) &&
  d.quantity > 0 &&
  d.arrivedAt instanceof Date &&
  !Number.isNaN(d.arrivedAt.getTime());

const sameStep = (a: AwaitingStep | null, b: AwaitingStep | null): boolean =>
  a === null || b === null ? a === b : a.sagaId === b.sagaId && a.step === b.step;

/**
 * Goods inward: asks the supplier what arrived for every open, ordered replenishment, and records
 * each new delivery once, in one transaction that also raises `received`, writes
 * `catalog.goods-received` and answers the saga's deferred `await-goods`, if one waits. Runs in
 * each catalog process; two processes polling at once record a delivery once (the receipt's
 * primary key decides). A supplier call has a deadline, and a failed round is logged, never thrown.
 */
export class GoodsInward {
  private readonly intervalMs: number;
  private readonly callTimeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Set by stop(): a round under way asks no further supplier, so shutdown waits for little. */
  private stopping = false;

  constructor(private readonly options: GoodsInwardOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule();
  }

  /** Stops polling; waits for a round under way to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One round over the open, ordered replenishments polled longest ago (`batchSize`), asking the
   * supplier about `concurrency` of them at a time; returns how many deliveries it recorded. Each
   * one asked is marked polled, answered or not, so the next round moves on to others.
   */
  async pollOnce(): Promise<number> {
    const { repo, orm } = this.options;
    const orders = await repo.inward(orm.em.fork(), this.options.batchSize ?? 200);
    let recorded = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.stopping && next < orders.length) {
        const order = orders[next++]!;
        const n = await this.pollOrder(order);
        recorded += n; // after the await: the workers interleave
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.concurrency ?? 8, orders.length) }, worker),
    );
    return recorded;
  }

  /** Asks the supplier about one order and records what is new; never throws. */
  private async pollOrder(order: InwardOrder): Promise<number> {
    const { repo, orm, logger } = this.options;
    let recorded = 0;
    try {
      const signal = AbortSignal.timeout(this.callTimeoutMs);
      const arrived = await untilAborted(
        signal,
        this.options.supplier.deliveries({ ...order, quantity: order.ordered }, signal),
      );
      if (arrived.length > 0) {
        const known = await repo.receivedDeliveries(orm.em.fork(), order.id);
        for (const delivery of arrived.filter((d) => !known.has(d.deliveryId)))
          recorded += await this.recordOne(order, delivery);
      }
    } catch (err) {
      logger.warn(
        { err, replenishmentId: order.id, supplier: order.supplier },
        'goods inward: could not check the deliveries of a replenishment; a later round retries',
      );
    }
    try {
      await repo.markPolled(orm.em.fork(), order.id);
    } catch (err) {
      logger.warn({ err, replenishmentId: order.id }, 'goods inward: could not mark it polled');
    }
    return recorded;
  }

  /**
   * Records one delivery the supplier reported, if it can be: 1 when recorded. A delivery that
   * cannot be (a bad id, quantity or date) or fails to is logged and skipped, so it never keeps
   * the order's other deliveries from being recorded; a failure is tried again next round.
   */
  private async recordOne(order: InwardOrder, delivery: Delivery): Promise<number> {
    const at = { replenishmentId: order.id, deliveryId: String(delivery.deliveryId).slice(0, 200) };
    if (!isRecordable(delivery)) {
      this.options.logger.error(
        { ...at, quantity: delivery.quantity },
        'goods inward: a delivery the supplier reported cannot be recorded (bad id, quantity or date); book it by hand',
      );
      return 0;
    }
    try {
      const outcome = await this.record(order, delivery);
      if (outcome === 'nothing outstanding')
        this.options.logger.error(
          { ...at, quantity: delivery.quantity },
          'goods inward: a delivery beyond what was ordered; book it by hand',
        );
      return outcome === 'recorded' ? 1 : 0;
    } catch (err) {
      this.options.logger.warn({ ...at, err }, 'goods inward: delivery not recorded; next round');
      return 0;
    }
  }

  /**
   * Records one delivery, once. The saga participant takes its log row, then the replenishment
   * (the handler of `await-goods` locks it); this transaction takes them in the same order, so a
   * resent `await-goods` and a delivery never wait on each other's rows in a cycle. It reads which
   * step waits without a lock, locks that step's log row, then the replenishment; when the wait
   * began or ended in between, it holds the wrong log row (or none), so it writes nothing and
   * starts over.
   *
   * InnoDB can still pick a deadlock victim on the log row itself: the participant claims it with
   * an INSERT IGNORE (which leaves a shared lock on the existing row) and then locks it for update,
   * and an exclusive request queued in between (ours) makes that upgrade a cycle. Nothing is lost:
   * the victim rolls back whole and runs again (the participant through its consumer's retries,
   * this transaction through this loop, after a short random pause).
   */
  async record(order: InwardOrder, delivery: Delivery): Promise<ReceiptOutcome> {
    for (let round = 0; round < RECORD_ROUNDS; round++) {
      try {
        const outcome = await runTransaction(
          this.options.orm,
          (em) => this.recordWithin(em, order, delivery),
          this.options.afterCommit,
        );
        if (outcome !== 'again') return outcome;
      } catch (err) {
        if (!isDeadlock(err) || round === RECORD_ROUNDS - 1) throw err;
        this.options.logger.info(
          { replenishmentId: order.id, deliveryId: delivery.deliveryId, round },
          'goods inward: deadlock victim, recording the delivery again',
        );
        await sleep(10 + Math.random() * 40);
      }
    }
    throw new Error(`replenishment ${order.id}: the wait for goods kept changing; next round`);
  }

  private async recordWithin(
    em: EntityManager,
    order: InwardOrder,
    delivery: Delivery,
  ): Promise<ReceiptOutcome | 'again'> {
    const { repo, outbox } = this.options;
    const seen = (await repo.find(em, order.id))?.awaiting ?? null;
    if (seen !== null) await lockStepExecute(em, seen);
    const r = await repo.lock(em, order.id);
    if (r === undefined || !r.open) return 'closed';
    if (!sameStep(seen, r.awaiting)) return 'again';
    // Never more than was ordered: an over-delivery books what is outstanding and logs the rest
    // (a supplier's error to settle by hand, not units to put on the shelf unchecked).
    const outstanding = r.ordered - r.received;
    if (outstanding <= 0) return 'nothing outstanding';
    const booked = { ...delivery, quantity: Math.min(delivery.quantity, outstanding) };
    if (booked.quantity < delivery.quantity)
      this.options.logger.error(
        {
          replenishmentId: r.id,
          deliveryId: delivery.deliveryId,
          reported: delivery.quantity,
          booked: booked.quantity,
        },
        'goods inward: a delivery beyond what was ordered; the rest is to be booked by hand',
      );
    if (!(await repo.recordReceipt(em, r.id, booked))) return 'known';
    const received = { ...r, received: r.received + booked.quantity };
    const progress = progressOf(received);
    await outbox.add(em, goodsReceivedV1, {
      topic: this.options.topic,
      key: r.productId,
      data: {
        ...progress,
        replenishmentId: r.id,
        productId: r.productId,
        supplierOrderId: order.supplierOrderId,
        deliveryId: delivery.deliveryId,
        quantity: booked.quantity,
      },
    });
    if (r.awaiting !== null)
      // False when that wait was already answered (a resend found the goods): fine either way.
      await completeDeferredStep(em, outbox, r.awaiting, {
        outcome: 'succeeded',
        result: replenishmentProgressV1.parse(progress),
      });
    await repo.write(
      em,
      r.awaiting === null ? received : withoutAttention({ ...received, awaiting: null }),
    );
    return 'recorded';
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.round().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    try {
      await this.pollOnce();
    } catch (err) {
      this.options.logger.warn({ err }, 'goods inward round failed; next round retries');
    }
  }
}
