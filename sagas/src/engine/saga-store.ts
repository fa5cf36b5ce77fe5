import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { SagaState, SagaStatus } from './saga-state.js';

/** The orchestrator's saga table (beside the messaging tables in the sagas database). */
export const SAGA_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS saga_instance (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    type VARCHAR(64) NOT NULL,
    status VARCHAR(20) NOT NULL,
    current_step INT NOT NULL,
    attempt INT NOT NULL,
    data MEDIUMTEXT NOT NULL,
    history MEDIUMTEXT NOT NULL,
    deadline_at DATETIME(3) NULL,
    failure_reason TEXT NULL,
    request_id VARCHAR(128) NULL,
    correlation_id VARCHAR(128) NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_saga_deadline (status, deadline_at),
    KEY ix_saga_type_status (type, status)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

interface SagaRow {
  id: string;
  type: string;
  status: SagaStatus;
  current_step: number;
  attempt: number;
  data: string;
  history: string;
  deadline_at: Date | string | null;
  failure_reason: string | null;
  request_id: string | null;
  correlation_id: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

const fromRow = (r: SagaRow): SagaState => ({
  id: r.id,
  type: r.type,
  status: r.status,
  currentStep: r.current_step,
  attempt: r.attempt,
  data: JSON.parse(r.data) as Record<string, unknown>,
  history: JSON.parse(r.history) as SagaState['history'],
  deadlineAt: r.deadline_at === null ? null : toDate(r.deadline_at),
  failureReason: r.failure_reason,
  requestId: r.request_id,
  correlationId: r.correlation_id,
  createdAt: toDate(r.created_at),
  updatedAt: toDate(r.updated_at),
});

/** SQL access to saga state; every write happens in the caller's transaction. */
export const sagaStore = {
  /** Inserts a new saga with its deadline `timeoutMs` from now (database clock); false if the id exists. */
  async insert(em: EntityManager, s: SagaState, timeoutMs: number): Promise<boolean> {
    const res = await sqlRun(
      em,
      `INSERT IGNORE INTO saga_instance
       (id, type, status, current_step, attempt, data, history, deadline_at, failure_reason, request_id, correlation_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND, ?, ?, ?)`,
      [
        s.id,
        s.type,
        s.status,
        s.currentStep,
        s.attempt,
        JSON.stringify(s.data),
        JSON.stringify(s.history),
        timeoutMs * 1000,
        s.failureReason,
        s.requestId,
        s.correlationId,
      ],
    );
    return res.affectedRows === 1;
  },

  /**
   * Writes the saga's state. The deadline is set `deadlineMs` from now on the database clock (so
   * several orchestrator hosts agree on it), cleared with null, or left as it is with 'keep'.
   */
  async update(em: EntityManager, s: SagaState, deadlineMs: number | null | 'keep'): Promise<void> {
    const deadline =
      deadlineMs === 'keep'
        ? 'deadline_at'
        : deadlineMs === null
          ? 'NULL'
          : 'CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND';
    await sqlRun(
      em,
      `UPDATE saga_instance SET status = ?, current_step = ?, attempt = ?, data = ?, history = ?,
       deadline_at = ${deadline}, failure_reason = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
      [
        s.status,
        s.currentStep,
        s.attempt,
        JSON.stringify(s.data),
        JSON.stringify(s.history),
        ...(typeof deadlineMs === 'number' ? [deadlineMs * 1000] : []),
        s.failureReason,
        s.id,
      ],
    );
  },

  /**
   * Moves an in-flight saga's deadline `ms` from now: a saga whose deadline could not be handled
   * (e.g. the database failed mid-transition) waits instead of staying first in every check.
   */
  async postpone(em: EntityManager, id: string, ms: number): Promise<void> {
    await sqlRun(
      em,
      `UPDATE saga_instance SET deadline_at = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
       WHERE id = ? AND status IN ('RUNNING', 'COMPENSATING')`,
      [ms * 1000, id],
    );
  },

  /** Locks the saga row for the rest of the transaction (one handler per saga at a time). */
  async lock(em: EntityManager, id: string): Promise<SagaState | undefined> {
    const rows = await sqlRows<SagaRow>(em, 'SELECT * FROM saga_instance WHERE id = ? FOR UPDATE', [
      id,
    ]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  },

  /** Locks the saga only if its deadline passed and no one else holds it. */
  async lockDue(em: EntityManager, id: string): Promise<SagaState | undefined> {
    const rows = await sqlRows<SagaRow>(
      em,
      `SELECT * FROM saga_instance WHERE id = ? AND status IN ('RUNNING', 'COMPENSATING')
       AND deadline_at <= CURRENT_TIMESTAMP(3) FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  },

  async get(em: EntityManager, id: string): Promise<SagaState | undefined> {
    const rows = await sqlRows<SagaRow>(em, 'SELECT * FROM saga_instance WHERE id = ?', [id]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  },

  async list(
    em: EntityManager,
    filter: { status?: SagaStatus; type?: string; limit?: number } = {},
  ): Promise<SagaState[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.type !== undefined) {
      where.push('type = ?');
      params.push(filter.type);
    }
    const rows = await sqlRows<SagaRow>(
      em,
      `SELECT * FROM saga_instance ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC LIMIT ?`,
      [...params, filter.limit ?? 100],
    );
    return rows.map(fromRow);
  },

  async countByStatus(em: EntityManager): Promise<Record<string, number>> {
    const rows = await sqlRows<{ status: string; n: number | string }>(
      em,
      'SELECT status, COUNT(*) AS n FROM saga_instance GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  },

  /** Ids of in-flight sagas whose deadline passed. */
  async due(em: EntityManager, limit: number): Promise<string[]> {
    const rows = await sqlRows<{ id: string }>(
      em,
      `SELECT id FROM saga_instance WHERE status IN ('RUNNING', 'COMPENSATING')
       AND deadline_at <= CURRENT_TIMESTAMP(3) ORDER BY deadline_at LIMIT ?`,
      [limit],
    );
    return rows.map((r) => r.id);
  },
};
