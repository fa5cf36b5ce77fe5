import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { CreditEntryKind } from '../domain/credit-ledger.js';
import { utcDate } from './coupon.repository.js';

export interface CreditAccountRow {
  readonly userId: string;
  readonly currency: string;
  readonly balanceCents: number;
  readonly lastSeq: number;
}

export interface CreditEntryRow {
  readonly userId: string;
  readonly seq: number;
  readonly kind: CreditEntryKind;
  /** Signed: positive adds credit, negative takes it. */
  readonly amountCents: number;
  readonly balanceAfterCents: number;
  readonly currency: string;
  readonly reason: string;
  readonly idempotencyKey: string;
  readonly orderId: string | null;
  readonly createdAt: Date;
}

interface RawEntry {
  user_id: string;
  seq: number;
  kind: CreditEntryKind;
  amount_cents: number | string;
  balance_after_cents: number | string;
  currency: string;
  reason: string;
  idempotency_key: string;
  order_id: string | null;
  created_at: Date | string;
}

const ENTRY_COLUMNS =
  'user_id, seq, kind, amount_cents, balance_after_cents, currency, reason, idempotency_key, order_id, created_at';

const toEntry = (r: RawEntry): CreditEntryRow => ({
  userId: r.user_id,
  seq: Number(r.seq),
  kind: r.kind,
  amountCents: Number(r.amount_cents),
  balanceAfterCents: Number(r.balance_after_cents),
  currency: r.currency,
  reason: r.reason,
  idempotencyKey: r.idempotency_key,
  orderId: r.order_id,
  createdAt: utcDate(r.created_at),
});

/** SQL of the credit ledger (credit_accounts + credit_ledger_entries); no rules here. */
export class CreditLedgerRepository {
  /**
   * Locks the user's account row for the rest of the caller's transaction and returns it current
   * (a locking read sees the latest committed row, whatever snapshot the transaction holds). The
   * row is created when missing by an upsert, which takes the row's exclusive lock whether it
   * inserts or finds it: not INSERT IGNORE (its shared lock on an existing row, then FOR UPDATE,
   * deadlocks two writers that both hold the shared lock), and not a locking read of a row that
   * may not exist (a gap lock, on which two inserts deadlock).
   */
  async lockAccount(
    em: EntityManager,
    userId: string,
    currency: string,
  ): Promise<CreditAccountRow> {
    await sqlRun(
      em,
      `INSERT INTO credit_accounts (user_id, currency, balance_cents, last_seq, updated_at)
       VALUES (?, ?, 0, 0, CURRENT_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE user_id = user_id`,
      [userId, currency],
    );
    const [row] = await sqlRows<{
      currency: string;
      balance_cents: number | string;
      last_seq: number;
    }>(
      em,
      'SELECT currency, balance_cents, last_seq FROM credit_accounts WHERE user_id = ? FOR UPDATE',
      [userId],
    );
    if (row === undefined) throw new Error(`credit account ${userId} missing after insert`);
    return {
      userId,
      currency: row.currency,
      balanceCents: Number(row.balance_cents),
      lastSeq: Number(row.last_seq),
    };
  }

  async account(em: EntityManager, userId: string): Promise<CreditAccountRow | undefined> {
    const [row] = await sqlRows<{
      currency: string;
      balance_cents: number | string;
      last_seq: number;
    }>(em, 'SELECT currency, balance_cents, last_seq FROM credit_accounts WHERE user_id = ?', [
      userId,
    ]);
    return row === undefined
      ? undefined
      : {
          userId,
          currency: row.currency,
          balanceCents: Number(row.balance_cents),
          lastSeq: Number(row.last_seq),
        };
  }

  async entryByKey(em: EntityManager, idempotencyKey: string): Promise<CreditEntryRow | undefined> {
    const [row] = await sqlRows<RawEntry>(
      em,
      `SELECT ${ENTRY_COLUMNS} FROM credit_ledger_entries WHERE idempotency_key = ?`,
      [idempotencyKey],
    );
    return row === undefined ? undefined : toEntry(row);
  }

  /** Appends the entry after `account.lastSeq` and moves the account's head to it. */
  async append(
    em: EntityManager,
    account: CreditAccountRow,
    entry: Omit<CreditEntryRow, 'userId' | 'seq' | 'balanceAfterCents' | 'currency' | 'createdAt'>,
  ): Promise<CreditEntryRow> {
    const row: CreditEntryRow = {
      ...entry,
      userId: account.userId,
      seq: account.lastSeq + 1,
      balanceAfterCents: account.balanceCents + entry.amountCents,
      currency: account.currency,
      createdAt: new Date(),
    };
    await sqlRun(
      em,
      `INSERT INTO credit_ledger_entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.userId,
        row.seq,
        row.kind,
        row.amountCents,
        row.balanceAfterCents,
        row.currency,
        row.reason.slice(0, 500),
        row.idempotencyKey,
        row.orderId,
        row.createdAt,
      ],
    );
    await sqlRun(
      em,
      `UPDATE credit_accounts SET balance_cents = ?, last_seq = ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE user_id = ? AND last_seq = ?`,
      [row.balanceAfterCents, row.seq, row.userId, account.lastSeq],
    );
    return row;
  }

  /** Newest first. */
  async entries(
    em: EntityManager,
    userId: string,
    limit: number,
    beforeSeq?: number,
  ): Promise<CreditEntryRow[]> {
    const rows = await sqlRows<RawEntry>(
      em,
      `SELECT ${ENTRY_COLUMNS} FROM credit_ledger_entries WHERE user_id = ? AND seq < ?
       ORDER BY seq DESC LIMIT ?`,
      [userId, beforeSeq ?? 2_147_483_647, limit],
    );
    return rows.map(toEntry);
  }

  async entriesOfOrder(em: EntityManager, orderId: string): Promise<CreditEntryRow[]> {
    const rows = await sqlRows<RawEntry>(
      em,
      `SELECT ${ENTRY_COLUMNS} FROM credit_ledger_entries WHERE order_id = ? ORDER BY seq`,
      [orderId],
    );
    return rows.map(toEntry);
  }
}
