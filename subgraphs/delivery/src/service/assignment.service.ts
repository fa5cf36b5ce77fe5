import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import { noPartnerReason, rankCandidates } from '../domain/assignment.js';
import { locatePostalCode } from '../domain/geo.js';
import { HOLDS_CAPACITY, judgeTransition, type Position } from '../domain/shipment.js';
import type { DeliveryRepository, ShipmentRow } from '../persistence/delivery.repository.js';
import { CandidateIndexCache } from './candidate-index.js';
import type { ShipmentEventWriter } from './shipment-events.js';

export interface AssignRequest {
  readonly orderId: string;
  readonly customerId: string;
  readonly postalCode: string;
  readonly units: number;
}

export type AssignOutcome =
  | {
      readonly outcome: 'assigned';
      readonly shipmentId: string;
      /** Null when the shipment lost its partner since (declined) and waits for another. */
      readonly partnerId: string | null;
      readonly trackingCode: string;
      /** The order already had this shipment: nothing changed. */
      readonly repeated: boolean;
    }
  | { readonly outcome: 'refused'; readonly reason: string };

export type CancelOutcome =
  | { readonly outcome: 'done'; readonly cancelled: boolean }
  | { readonly outcome: 'refused'; readonly reason: string };

export interface AssignmentTiming {
  /** How long an assigned partner has to accept before the sweep moves the shipment on. */
  readonly acceptTimeoutMs: number;
  /** How often a shipment no partner could take (after a decline) is tried again. */
  readonly retryPendingMs: number;
  readonly now: () => Date;
}

/** Thrown inside the assign's savepoint to undo its shipment row; never leaves this file. */
class AssignRefused extends Error {}

const trackingCode = (): string =>
  `TRK-${crypto.randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;

/**
 * The assignment engine: assigns an order's shipment to the best partner (`rankCandidates`),
 * moves it on when the partner declines or lets the acceptance deadline pass, and cancels it.
 * The `…Within` methods run inside the caller's transaction (the saga participant's, or the
 * lifecycle's); `sweep` runs its own.
 *
 * Capacity is never exceeded, under any concurrency: the engine ranks partners from a plain read,
 * locks the eligible ones in id order (so concurrent assignments never deadlock: they may rank
 * in different orders, but they lock in one), ranks them again on their locked, current values,
 * then takes the capacity with one conditional UPDATE per candidate, in score order
 * (`current_load = current_load + u WHERE current_load + u <= capacity`, `DeliveryRepository.hold`),
 * which InnoDB evaluates on the row's latest version under its exclusive lock: the UPDATE is the
 * rule, the lock order only keeps the waiting acyclic. A candidate without room matches nothing
 * and the next one is tried. Idempotent by order id: the order's shipment row (unique order id) is
 * inserted first, so a concurrent assign of the same order waits for this one and then finds it.
 */
export class AssignmentService {
  private readonly index: CandidateIndexCache;

  constructor(
    private readonly orm: MikroORM,
    private readonly repo: DeliveryRepository,
    private readonly events: ShipmentEventWriter,
    private readonly timing: AssignmentTiming,
    private readonly afterCommit?: () => void,
  ) {
    this.index = new CandidateIndexCache(repo);
  }

  assign(req: AssignRequest): Promise<AssignOutcome> {
    return runTransaction(this.orm, (em) => this.assignWithin(em, req), this.afterCommit);
  }

  cancel(orderId: string, reason = 'order cancelled'): Promise<CancelOutcome> {
    return runTransaction(
      this.orm,
      (em) => this.cancelWithin(em, orderId, reason),
      this.afterCommit,
    );
  }

  async assignWithin(em: EntityManager, req: AssignRequest): Promise<AssignOutcome> {
    const destination = locatePostalCode(req.postalCode);
    if (destination === undefined)
      return { outcome: 'refused', reason: `unknown postal code ${req.postalCode}` };
    const now = this.timing.now();
    let refusal = '';
    try {
      // Nested in a running transaction this is a savepoint; alone, a transaction of its own.
      return await em.transactional(async (tx): Promise<AssignOutcome> => {
        const id = crypto.randomUUID();
        const created = await this.repo.createShipment(tx, {
          id,
          orderId: req.orderId,
          customerId: req.customerId,
          status: 'PENDING',
          trackingCode: trackingCode(),
          units: req.units,
          postalCode: req.postalCode,
          destination,
          now,
        });
        if (!created) return this.repeatAssign(tx, req);
        const shipment = await this.repo.lockedShipment(tx, id);
        if (shipment === undefined) throw new Error(`shipment ${id} vanished`);
        const result = await this.tryAssign(tx, shipment, new Set(), now);
        if ('refused' in result) {
          refusal = result.refused;
          throw new AssignRefused(result.refused);
        }
        await this.events.record(tx, id, 'assigned', { at: now, from: 'PENDING' });
        return {
          outcome: 'assigned',
          shipmentId: id,
          partnerId: result.partnerId,
          trackingCode: shipment.trackingCode,
          repeated: false,
        };
      });
    } catch (err) {
      if (err instanceof AssignRefused) return { outcome: 'refused', reason: refusal };
      throw err;
    }
  }

  /** An assign for an order that has a shipment: the same answer again, or a refusal. */
  private async repeatAssign(em: EntityManager, req: AssignRequest): Promise<AssignOutcome> {
    const existing = await this.repo.lockedShipmentOfOrder(em, req.orderId, 'shared');
    if (existing === undefined) throw new Error(`shipment of order ${req.orderId} vanished`);
    if (existing.status === 'CANCELLED')
      return { outcome: 'refused', reason: `the shipment of order ${req.orderId} was cancelled` };
    if (existing.customerId !== req.customerId)
      return {
        outcome: 'refused',
        reason: `order ${req.orderId} already has a shipment for another customer`,
      };
    return {
      outcome: 'assigned',
      shipmentId: existing.id,
      partnerId: existing.partnerId,
      trackingCode: existing.trackingCode,
      repeated: true,
    };
  }

  /**
   * Takes the best eligible partner's capacity and assigns the PENDING shipment to it: the
   * partner id, or the refusal's reason when nobody can take it.
   */
  private async tryAssign(
    em: EntityManager,
    s: ShipmentRow,
    excluded: ReadonlySet<string>,
    now: Date,
  ): Promise<{ partnerId: string } | { refused: string }> {
    const destination: Position | undefined = s.destination ?? locatePostalCode(s.postalCode);
    const req = { postalCode: s.postalCode, units: s.units };
    if (destination === undefined) return { refused: `unknown postal code ${s.postalCode}` };
    // Only the partners the index says may serve the address are read and ranked; every other
    // one is outside the service area (counted for the refusal's reason).
    const index = await this.index.current(em);
    const nearby = index.candidates(s.postalCode, destination).filter((id) => !excluded.has(id));
    const first = rankCandidates(
      await this.repo.partnersByIds(em, nearby),
      { ...req, destination },
      now,
    );
    // Lock the candidates (id order: no deadlock) and rank again on their current values.
    const locked = await this.repo.lockPartners(
      em,
      first.candidates.map((c) => c.partnerId),
    );
    const ranking = rankCandidates(locked, { ...req, destination }, now);
    const rejected = new Map([...first.rejected, ...ranking.rejected]);
    const byId = new Map(locked.map((p) => [p.id, p]));
    let lostRaces = 0;
    for (const c of ranking.candidates) {
      // The rule itself: taken only if the room is still there, decided by the UPDATE.
      if (!(await this.repo.hold(em, c.partnerId, s.units))) {
        lostRaces++;
        continue;
      }
      const partner = byId.get(c.partnerId)!;
      const acceptBy = new Date(now.getTime() + this.timing.acceptTimeoutMs);
      if (!(await this.repo.assign(em, s.id, partner, acceptBy, now)))
        throw new Error(`shipment ${s.id} left PENDING under its lock`);
      return { partnerId: c.partnerId };
    }
    const considered = new Set(nearby);
    for (const p of index.partners)
      if (!considered.has(p.id) && !excluded.has(p.id)) rejected.set(p.id, 'outside-area');
    return { refused: noPartnerReason(req, rejected, lostRaces) };
  }

  /**
   * The partner declined, or let the acceptance deadline pass: frees its capacity, remembers it
   * (it is not asked again for this shipment), and assigns the next best partner, or leaves the
   * shipment PENDING for the sweep to retry. False when the shipment was no longer ASSIGNED to
   * that partner (a concurrent accept or sweep won).
   */
  async reassignWithin(
    em: EntityManager,
    shipmentId: string,
    partnerId: string,
    kind: 'declined' | 'timed-out',
    reason: string | null = null,
  ): Promise<boolean> {
    const now = this.timing.now();
    const previousUserId = (await this.repo.partnerUserId(em, partnerId)) ?? null;
    const moved = await this.repo.transition(em, shipmentId, {
      from: 'ASSIGNED',
      to: 'PENDING',
      partnerId,
      unassign: true,
      now,
      reason: reason ?? kind,
      retryAt: new Date(now.getTime() + this.timing.retryPendingMs),
    });
    if (!moved) return false;
    const s = await this.repo.lockedShipment(em, shipmentId);
    if (s === undefined) throw new Error(`shipment ${shipmentId} vanished`);
    await this.repo.release(em, partnerId, s.units);
    await this.repo.addDecline(em, shipmentId, partnerId, kind, now);
    await this.events.record(em, shipmentId, kind, {
      at: now,
      from: 'ASSIGNED',
      previousPartner: { id: partnerId, userId: previousUserId },
      reason: reason ?? null,
    });
    await this.assignPendingWithin(em, s, now);
    return true;
  }

  /** Assigns a PENDING shipment to the best partner that has not declined it, if any. */
  private async assignPendingWithin(em: EntityManager, s: ShipmentRow, now: Date): Promise<void> {
    const declined = await this.repo.declinedPartners(em, s.id);
    const result = await this.tryAssign(em, s, declined, now);
    if ('refused' in result) {
      await this.repo.postponeRetry(em, s.id, new Date(now.getTime() + this.timing.retryPendingMs));
      return;
    }
    await this.events.record(em, s.id, 'assigned', { at: now, from: 'PENDING' });
  }

  /** Cancels the order's shipment and frees its partner's capacity, once. */
  async cancelWithin(em: EntityManager, orderId: string, reason: string): Promise<CancelOutcome> {
    const now = this.timing.now();
    // An order with no shipment gets a CANCELLED marker, so a later assign of it (a command
    // overtaken by its own compensation) is refused rather than holding a partner forever.
    // Inserted before any locking read: a locking read of a missing row takes a gap lock, and two
    // such transactions then deadlock on their inserts.
    const marker = await this.repo.createShipment(em, {
      id: crypto.randomUUID(),
      orderId,
      customerId: '',
      status: 'CANCELLED',
      trackingCode: '',
      units: 0,
      postalCode: '',
      destination: null,
      now,
    });
    if (marker) return { outcome: 'done', cancelled: false };
    const s = await this.repo.lockedShipmentOfOrder(em, orderId, 'exclusive');
    if (s === undefined) throw new Error(`shipment of order ${orderId} vanished`);
    if (s.status === 'CANCELLED') return { outcome: 'done', cancelled: false };
    const verdict = judgeTransition(s.status, 'cancel');
    if (!verdict.ok) return { outcome: 'refused', reason: `order ${orderId}: ${verdict.reason}` };
    if (!(await this.repo.transition(em, s.id, { from: s.status, to: 'CANCELLED', now, reason })))
      throw new Error(`shipment ${s.id} moved under its lock`);
    if (s.partnerId !== null && HOLDS_CAPACITY.includes(s.status))
      await this.repo.release(em, s.partnerId, s.units);
    await this.events.record(em, s.id, 'cancelled', {
      at: now,
      from: s.status,
      previousPartner: s.partnerId === null ? null : { id: s.partnerId, userId: s.partnerUserId },
      reason,
    });
    return { outcome: 'done', cancelled: true };
  }

  /**
   * One pass of the deadline sweep: every ASSIGNED shipment past its acceptance deadline moves to
   * the next candidate (`timed-out`), every PENDING one whose retry time came is tried again.
   * Each shipment in its own transaction; the conditional UPDATEs make a shipment that was
   * accepted meanwhile, or that another replica's sweep took, a no-op. Returns how many it moved.
   */
  async sweep(limit = 100): Promise<number> {
    const now = this.timing.now();
    const due = await this.repo.due(this.orm.em.fork(), now, limit);
    let moved = 0;
    for (const d of due) {
      const done = await runTransaction(
        this.orm,
        async (em) => {
          if (d.status === 'ASSIGNED' && d.partnerId !== null)
            return this.reassignWithin(em, d.id, d.partnerId, 'timed-out');
          const s = await this.repo.lockedShipment(em, d.id);
          if (s?.status !== 'PENDING') return false;
          await this.assignPendingWithin(em, s, this.timing.now());
          return true;
        },
        this.afterCommit,
      );
      if (done) moved++;
    }
    return moved;
  }
}

/**
 * Runs the sweep every `intervalMs` (unref'd, never overlapping itself). Every replica may run
 * one: the conditional UPDATEs make concurrent sweeps of one shipment a no-op for all but one.
 */
export function startAssignmentSweep(
  assignments: AssignmentService,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const moved = await assignments.sweep();
        if (moved > 0) logger.info({ moved }, 'assignment sweep moved shipments');
      } catch (err) {
        logger.error({ err }, 'assignment sweep failed');
      }
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
