import type { EntityManager } from '@mikro-orm/core';
import { BadUserInputError } from '@shop/platform';
import { judgeDebit, revocableCents, type CreditEntryKind } from '../domain/credit-ledger.js';
import type {
  CreditEntryRow,
  CreditLedgerRepository,
} from '../persistence/credit-ledger.repository.js';
import { UserEntity } from '../persistence/user.entity.js';

export interface CreditBalance {
  readonly balanceCents: number;
  readonly currency: string;
}

export type CreditMove =
  | { readonly outcome: 'moved'; readonly entry: CreditEntryRow }
  | { readonly outcome: 'refused'; readonly reason: string };

/**
 * The credit ledger's use cases. Every write runs inside a transaction the caller owns (a saga
 * command's, or one opened here) and goes through `write`, which holds the whole concurrency
 * argument.
 */
export class CreditService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: CreditLedgerRepository,
    /** The one currency the ledger keeps (ISO 4217). */
    readonly currency: string,
  ) {}

  async balance(userId: string): Promise<CreditBalance> {
    const account = await this.repo.account(this.em.fork(), userId);
    return {
      balanceCents: account?.balanceCents ?? 0,
      currency: account?.currency ?? this.currency,
    };
  }

  async entries(userId: string, limit: number, beforeSeq?: number): Promise<CreditEntryRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new BadUserInputError('first must be from 1 to 100', { field: 'first' });
    return this.repo.entries(this.em.fork(), userId, limit, beforeSeq);
  }

  async entryByKey(em: EntityManager, key: string): Promise<CreditEntryRow | undefined> {
    return this.repo.entryByKey(em, key);
  }

  /** Adds credit, once per idempotency key. */
  grantWithin(
    em: EntityManager,
    g: { userId: string; amountCents: number; reason: string; idempotencyKey: string },
  ): Promise<CreditMove> {
    return this.write(em, g.userId, g.idempotencyKey, () => ({
      kind: 'GRANT',
      amountCents: g.amountCents,
      reason: g.reason,
    }));
  }

  /**
   * Takes back a grant (found by its key), once: all of it, or what is left of it when part was
   * spent meanwhile, the shortfall written in the entry's reason. No grant: a no-op (undefined).
   */
  async revokeGrantWithin(
    em: EntityManager,
    r: { userId: string; grantKey: string; reason: string; idempotencyKey: string },
  ): Promise<CreditMove | undefined> {
    const grant = await this.repo.entryByKey(em, r.grantKey);
    if (grant === undefined) return undefined;
    return this.write(em, r.userId, r.idempotencyKey, (balance) => {
      const { amountCents, shortfallCents } = revocableCents(balance, grant.amountCents);
      return {
        kind: 'REVOKE',
        amountCents: -amountCents,
        reason:
          shortfallCents > 0
            ? `${r.reason} (${shortfallCents} of the grant was already spent)`
            : r.reason,
      };
    });
  }

  /** Spends credit on an order, once per order; refused when the balance is short. */
  debitWithin(
    em: EntityManager,
    d: { userId: string; orderId: string; amountCents: number; currency: string },
  ): Promise<CreditMove> {
    return this.write(em, d.userId, `order:${d.orderId}:debit`, (balance, currency) => {
      if (d.currency !== currency)
        return { refused: `store credit is kept in ${currency}, the order is in ${d.currency}` };
      const verdict = judgeDebit(balance, d.amountCents);
      if (!verdict.ok) return { refused: verdict.reason };
      return {
        kind: 'DEBIT',
        amountCents: -d.amountCents,
        reason: `order ${d.orderId}`,
        orderId: d.orderId,
      };
    });
  }

  /** Gives back what the order's debit took, once; 0 when it took nothing. */
  async giveBackWithin(em: EntityManager, orderId: string): Promise<number> {
    const debit = await this.repo.entryByKey(em, `order:${orderId}:debit`);
    if (debit === undefined) return 0;
    const moved = await this.write(em, debit.userId, `order:${orderId}:give-back`, () => ({
      kind: 'GIVE_BACK',
      amountCents: -debit.amountCents,
      reason: `order ${orderId} failed or was cancelled`,
      orderId,
    }));
    return moved.outcome === 'moved' ? moved.entry.amountCents : 0;
  }

  /** An admin's grant or revocation, in its own transaction; BAD_USER_INPUT on a bad amount. */
  async adjust(input: {
    userId: string;
    kind: 'GRANT' | 'REVOKE';
    amountCents: number;
    reason: string;
  }): Promise<CreditEntryRow> {
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0)
      throw new BadUserInputError('amountCents must be a positive whole number of cents', {
        field: 'amountCents',
      });
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > 500)
      throw new BadUserInputError('reason must be 1 to 500 characters', { field: 'reason' });
    const moved = await this.em.fork().transactional(async (em) => {
      if ((await em.count(UserEntity, { id: input.userId })) === 0)
        throw new BadUserInputError('no account with this id', { field: 'userId' });
      return this.write(em, input.userId, `admin:${crypto.randomUUID()}`, (balance) => {
        if (input.kind === 'GRANT')
          return { kind: 'GRANT', amountCents: input.amountCents, reason };
        const verdict = judgeDebit(balance, input.amountCents);
        return verdict.ok
          ? { kind: 'REVOKE', amountCents: -input.amountCents, reason }
          : { refused: verdict.reason };
      });
    });
    if (moved.outcome === 'refused')
      throw new BadUserInputError(moved.reason, { field: 'amountCents' });
    return moved.entry;
  }

  /**
   * The one place that writes the ledger. Concurrency: the user's account row is locked first
   * (SELECT … FOR UPDATE), so every write to one user's ledger runs one after the other, and the
   * balance it reads is the latest committed one (a locking read, whatever snapshot the caller's
   * transaction holds). The rule then sees the true balance, the entry goes after the head it read
   * and the head moves, all before the lock is released at commit: two debits can never both
   * spend the same credit. The CHECK on the balance and the (user, seq) primary key are the
   * backstops should a write ever skip the lock.
   *
   * Idempotency: an entry with the key is answered as is. That lookup is a plain read, which with
   * an old snapshot could miss an entry committed meanwhile; the key's unique index then refuses
   * the insert and the caller's transaction fails and is retried, never written twice.
   */
  private async write(
    em: EntityManager,
    userId: string,
    idempotencyKey: string,
    rule: (
      balanceCents: number,
      currency: string,
    ) =>
      | { kind: CreditEntryKind; amountCents: number; reason: string; orderId?: string }
      | { refused: string },
  ): Promise<CreditMove> {
    const account = await this.repo.lockAccount(em, userId, this.currency);
    const existing = await this.repo.entryByKey(em, idempotencyKey);
    if (existing !== undefined) return { outcome: 'moved', entry: existing };
    const decided = rule(account.balanceCents, account.currency);
    if ('refused' in decided) return { outcome: 'refused', reason: decided.refused };
    const entry = await this.repo.append(em, account, {
      kind: decided.kind,
      amountCents: decided.amountCents,
      reason: decided.reason,
      idempotencyKey,
      orderId: decided.orderId ?? null,
    });
    return { outcome: 'moved', entry };
  }
}
