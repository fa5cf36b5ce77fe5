import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from '@shop/platform';
import { replenishmentRetryRequestedV1, type SagaParkedV1 } from '@shop/schema';
import type { Identity } from '@shop/subgraph-kit';
import { runTransaction } from '@shop/subgraph-kit/mikro-orm';
import {
  isReplenishmentId,
  REPLENISH_STOCK_SAGA,
  retryProblem,
  withoutAttention,
  type Replenishment,
  type ReplenishmentFilter,
} from '../domain/replenishment.js';
import type { ReplenishmentRepository } from '../persistence/replenishment.repository.js';

/** Most replenishments one list returns. */
export const MAX_REPLENISHMENTS_PAGE = 500;

export interface ReplenishmentAdminOptions {
  /** Where `catalog.replenishment-retry-requested` goes. */
  readonly topic: string;
  /** Called after a change committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
}

/** What the parked-saga mirror did with one `sagas.saga-parked` event. */
export type ParkedOutcome = 'flagged' | 'not ours' | 'unknown or closed replenishment';

/** Admins only: UNAUTHENTICATED for an anonymous caller, FORBIDDEN for any other user. */
function assertAdmin(identity: Identity): asserts identity is Identity & { userId: string } {
  if (identity.userId === undefined) throw new UnauthenticatedError('sign in as an admin');
  if (!identity.roles.includes('admin')) throw new ForbiddenError('admins only');
}

/**
 * The admins' side of replenishments: what is open or parked, and the retry of a parked saga;
 * also mirrors a parked saga onto its replenishment. Authorization is decided here (the schema's
 * `@requiresScopes` is the gateway's and the subgraph's first line).
 */
export class ReplenishmentAdmin {
  constructor(
    private readonly orm: MikroORM,
    private readonly repo: ReplenishmentRepository,
    private readonly outbox: Outbox,
    private readonly options: ReplenishmentAdminOptions,
  ) {}

  /** Newest first: open ones, those whose saga is parked, or all; of one product if given. */
  async list(
    identity: Identity,
    filter: ReplenishmentFilter,
    first: number,
    productId?: string,
  ): Promise<Replenishment[]> {
    assertAdmin(identity);
    if (!Number.isInteger(first) || first < 1 || first > MAX_REPLENISHMENTS_PAGE)
      throw BadUserInputError.fromProblems([
        { field: 'first', message: `must be a whole number from 1 to ${MAX_REPLENISHMENTS_PAGE}` },
      ]);
    if (productId !== undefined && (productId.length === 0 || productId.length > 64))
      throw BadUserInputError.fromProblems([
        { field: 'productId', message: 'must be 1 to 64 characters' },
      ]);
    return this.repo.list(this.orm.em.fork(), filter, first, productId);
  }

  /**
   * Asks the orchestrator to resend a parked replenishment saga's step: clears the attention note
   * and writes `catalog.replenishment-retry-requested` in one transaction, under the row's lock,
   * so of two concurrent retries one writes the event and the other finds nothing parked
   * (CONFLICT). NOT_FOUND for an unknown id.
   */
  async retry(identity: Identity, id: string): Promise<Replenishment> {
    assertAdmin(identity);
    if (!isReplenishmentId(id)) throw new NotFoundError(`no replenishment ${id}`);
    return runTransaction(
      this.orm,
      async (em) => {
        const r = await this.repo.lock(em, id);
        if (r === undefined) throw new NotFoundError(`no replenishment ${id}`);
        const problem = retryProblem(r);
        if (problem !== undefined) throw new ConflictError(problem);
        await this.repo.write(em, withoutAttention(r));
        await this.outbox.add(em, replenishmentRetryRequestedV1, {
          topic: this.options.topic,
          key: r.productId,
          data: { replenishmentId: r.id, productId: r.productId, requestedBy: identity.userId },
        });
        const after = await this.repo.find(em, id);
        if (after === undefined) throw new Error(`replenishment ${id} vanished`);
        return after;
      },
      this.options.afterCommit,
    );
  }

  /**
   * Mirrors a parked `replenish-stock` saga onto the open replenishment its subject names: the reason
   * and the step, which the admins' NEEDS_ATTENTION list shows until a step succeeds or an admin
   * retries. Other sagas' events are not ours.
   */
  async flagParked(em: EntityManager, parked: SagaParkedV1): Promise<ParkedOutcome> {
    if (parked.sagaType !== REPLENISH_STOCK_SAGA || parked.subject === null) return 'not ours';
    if (!isReplenishmentId(parked.subject)) return 'unknown or closed replenishment';
    return (await this.repo.flagAttention(em, parked.subject, parked.reason, parked.stepName))
      ? 'flagged'
      : 'unknown or closed replenishment';
  }
}
