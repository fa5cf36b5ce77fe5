import type { MikroORM } from '@mikro-orm/core';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
} from '@shop/platform';
import { ForbiddenError } from '@shop/platform';
import type { Identity } from '@shop/subgraph-kit';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import {
  isValidPosition,
  judgeTransition,
  TERMINAL_STATUSES,
  type Position,
  type ShipmentAction,
} from '../domain/shipment.js';
import type { DeliveryRepository } from '../persistence/delivery.repository.js';
import type { AssignmentService } from './assignment.service.js';
import type { ShipmentChange, ShipmentEventWriter } from './shipment-events.js';

const CHANGE_OF: Record<Exclude<ShipmentAction, 'decline' | 'cancel'>, ShipmentChange> = {
  accept: 'accepted',
  'pick-up': 'picked-up',
  'in-transit': 'in-transit',
  deliver: 'delivered',
  fail: 'failed',
};

/**
 * The partner's side of the shipment lifecycle. Authorization is here, not in resolvers: only the
 * partner a shipment is assigned to may move it (FORBIDDEN for everyone else, admins included:
 * an admin cancels through the order). The shipment row is locked first, the pure
 * `judgeTransition` decides (CONFLICT when illegal), and the move is a conditional UPDATE
 * `WHERE status = <from> AND partner_id = <partner>`, recorded with its tracking event and outbox
 * event in the same transaction.
 */
export class LifecycleService {
  constructor(
    private readonly orm: MikroORM,
    private readonly repo: DeliveryRepository,
    private readonly events: ShipmentEventWriter,
    private readonly assignments: AssignmentService,
    private readonly now: () => Date,
    private readonly afterCommit?: () => void,
  ) {}

  move(
    identity: Identity,
    shipmentId: string,
    action: Exclude<ShipmentAction, 'cancel'>,
    details: { position?: Position | null; reason?: string | null } = {},
  ): Promise<void> {
    if (identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    const userId = identity.userId;
    const reason = details.reason?.trim() ?? null;
    if (action === 'fail' && (reason === null || reason.length === 0 || reason.length > 500))
      throw BadUserInputError.fromProblems([
        { field: 'reason', message: 'must be 1-500 characters' },
      ]);
    if (reason !== null && reason.length > 500)
      throw BadUserInputError.fromProblems([
        { field: 'reason', message: 'at most 500 characters' },
      ]);
    const position = details.position ?? null;
    if (position !== null && !isValidPosition(position))
      throw BadUserInputError.fromProblems([
        { field: 'position', message: 'latitude -90..90 and longitude -180..180' },
      ]);
    return runTransaction(
      this.orm,
      async (em) => {
        const s = await this.repo.lockedShipment(em, shipmentId);
        if (s === undefined) throw new NotFoundError(`shipment ${shipmentId} not found`);
        if (s.partnerUserId !== userId || s.partnerId === null)
          throw new ForbiddenError('only the partner this shipment is assigned to may move it');
        const verdict = judgeTransition(s.status, action);
        if (!verdict.ok) throw new ConflictError(verdict.reason, { status: s.status });
        if (action === 'decline') {
          await this.assignments.reassignWithin(em, s.id, s.partnerId, 'declined', reason);
          return;
        }
        const now = this.now();
        const moved = await this.repo.transition(em, s.id, {
          from: verdict.from,
          to: verdict.to,
          partnerId: s.partnerId,
          now,
          ...(reason !== null ? { reason } : {}),
          position,
        });
        if (!moved) throw new ConflictError(`shipment ${s.id} changed meanwhile; try again`);
        if (TERMINAL_STATUSES.includes(verdict.to))
          await this.repo.release(em, s.partnerId, s.units);
        await this.events.record(em, s.id, CHANGE_OF[action], {
          at: now,
          from: verdict.from,
          position,
          reason,
        });
      },
      this.afterCommit,
    );
  }
}
